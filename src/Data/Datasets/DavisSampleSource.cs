using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Datasets;

/// <summary>
/// The frames of a DAVIS 2017 image set as samples (read through <see cref="DavisDataset"/>): every frame of every
/// sequence, in set order then frame order; id = <c>sequence/frame</c> (e.g. <c>judo/00000</c>); the
/// annotation, where the frame has one, as a label map of object indices (<see cref="Sample.Segmentation"/>).
/// </summary>
public sealed class DavisSampleSource : ISampleSource
{
    private readonly (string Sequence, string Frame, string ImagePath, string? AnnotationPath)[] _frames;

    /// <param name="davisRoot">The <c>DAVIS</c> folder.</param>
    /// <param name="set">The image set (<c>val</c>, <c>train</c>).</param>
    /// <param name="year">The image-set year folder.</param>
    /// <param name="resolution">The resolution folder.</param>
    public DavisSampleSource(string davisRoot, string set = "val", string year = "2017", string resolution = "480p")
    {
        Dataset = new DavisDataset(davisRoot, resolution);
        Set = set;
        Sequences = Dataset.ReadSequenceNames(set, year).Select(name => Dataset.GetSequence(name)).ToList();
        _frames = Sequences.SelectMany(s => s.FrameIds.Select((f, i) => (s.Name, f, s.ImagePaths[i], s.AnnotationPathOf(f)))).ToArray();
        Name = $"davis {year} {set}";
    }

    /// <summary>The image set <paramref name="split"/> of the standard layout (<c>DAVIS/ImageSets/2017/NAME.txt</c>).</summary>
    /// <param name="dataRoot">The datasets root (or its <c>DAVIS</c> folder); null: <c>PE_DATASETS</c>.</param>
    /// <param name="split">The image set name.</param>
    public static DavisSampleSource Open(string? dataRoot, string split)
    {
        string davis = DatasetRoot.DatasetFolder(DatasetRoot.Resolve(dataRoot), DatasetRoot.DavisFolder,
            d => Directory.Exists(Path.Combine(d, "JPEGImages")), "JPEGImages/ folder");
        return new DavisSampleSource(davis, split);
    }

    public DavisDataset Dataset { get; }

    public string Set { get; }

    /// <summary>The sequences of the set, with their frames and annotations.</summary>
    public IReadOnlyList<DavisSequence> Sequences { get; }

    /// <summary>Number of objects of a sequence (largest index of its first annotation, void ignored).</summary>
    public int ObjectCount(string sequence) => Dataset.ObjectCount(sequence);

    public string Name { get; }

    public int Count => _frames.Length;

    public CategoryMap? Categories => null;

    public string ItemId(int index) => $"{_frames[index].Sequence}/{_frames[index].Frame}";

    public string ItemPath(int index) => _frames[index].ImagePath;

    public Sample Load(int index, SampleParts parts)
    {
        var (_, _, imagePath, annotationPath) = _frames[index];
        RgbImage? rgb = (parts & SampleParts.Image) != 0 ? ImageFile.ReadRgb(imagePath) : null;
        IndexedImage? labels = (parts & SampleParts.Segmentation) != 0 && annotationPath != null ? DavisMask.Read(annotationPath) : null;
        if (rgb != null && labels != null && (rgb.Width != labels.Width || rgb.Height != labels.Height))
            throw new InvalidDataException($"{annotationPath}: annotation is {labels.Width}x{labels.Height} but frame {imagePath} is {rgb.Width}x{rgb.Height}.");
        var (width, height) = rgb != null ? (rgb.Width, rgb.Height) : labels != null ? (labels.Width, labels.Height) : ImageFile.ReadSize(imagePath);
        return Sample.Create(ItemId(index), width, height, imagePath) with { Image = rgb, Segmentation = labels };
    }
}
