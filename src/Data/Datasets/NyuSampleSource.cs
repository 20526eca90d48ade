using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Datasets;

/// <summary>
/// NYU Depth v2 in the BTS layout as samples: the pairs of a split list (<see cref="BtsSplit"/>), RGB JPEG and
/// uint16 millimetre depth PNG (read by <see cref="Eval.Formats.Nyu.DepthMap.Read"/>), depth in metres with 0 =
/// invalid. Item id = the RGB path without extension (e.g. <c>bathroom/rgb_00045</c>).
/// </summary>
public sealed class NyuSampleSource : ISampleSource
{
    private readonly BtsSplitEntry[] _entries;

    /// <param name="splitFile">A BTS list (<c>rgb depth focal</c> per line).</param>
    /// <param name="dataFolder">The folder the list's paths are relative to (a leading <c>/</c> is ignored).</param>
    /// <exception cref="InvalidDataException">A malformed list line (with its number).</exception>
    public NyuSampleSource(string splitFile, string dataFolder)
    {
        SplitFile = splitFile;
        DataFolder = dataFolder;
        var all = BtsSplit.Load(splitFile);
        _entries = all.Where(e => e.DepthPath != null).ToArray();
        EntriesWithoutDepth = all.Count - _entries.Length;
        var duplicate = _entries.GroupBy(e => IdOf(e.RgbPath)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new InvalidDataException($"{splitFile}: line {duplicate.Skip(1).First().Line}: '{duplicate.Key}' is listed twice.");
        Name = $"nyu {Path.GetFileName(splitFile)}";
    }

    /// <summary>
    /// A split of the standard layout: <c>train</c> = <c>sync/</c> + <c>nyudepthv2_train_files_with_gt.txt</c>,
    /// <c>test</c> = <c>official_splits/test/</c> + <c>nyudepthv2_test_files_with_gt.txt</c>, any other NAME =
    /// <c>NAME/</c> + <c>nyudepthv2_NAME_files_with_gt.txt</c>.
    /// </summary>
    /// <param name="dataRoot">The datasets root (or its <c>nyu_depth_v2</c> folder); null: <c>PE_DATASETS</c>.</param>
    /// <param name="split">The split name.</param>
    public static NyuSampleSource Open(string? dataRoot, string split)
    {
        string nyu = DatasetRoot.DatasetFolder(DatasetRoot.Resolve(dataRoot), DatasetRoot.NyuFolder,
            d => Directory.EnumerateFiles(d, "nyudepthv2_*_files_with_gt.txt").Any(), "nyudepthv2_*_files_with_gt.txt list");
        var (list, data) = SplitPaths(nyu, split);
        if (!File.Exists(list))
            throw new FileNotFoundException($"{list}: NYU split list of split '{split}' not found (see datasets/README.md).", list);
        if (!Directory.Exists(data))
            throw new DirectoryNotFoundException($"{data}: NYU data folder of split '{split}' not found (see datasets/README.md).");
        return new NyuSampleSource(list, data);
    }

    /// <summary>The list file and data folder of split <paramref name="split"/> under an <c>nyu_depth_v2</c> folder.</summary>
    public static (string ListFile, string DataFolder) SplitPaths(string nyuFolder, string split) => (
        Path.Combine(nyuFolder, $"nyudepthv2_{split}_files_with_gt.txt"),
        split switch
        {
            "train" => Path.Combine(nyuFolder, "sync"),
            "test" => Path.Combine(nyuFolder, "official_splits", "test"),
            _ => Path.Combine(nyuFolder, split),
        });

    public string SplitFile { get; }

    public string DataFolder { get; }

    /// <summary>List lines whose depth is <c>None</c>, left out.</summary>
    public int EntriesWithoutDepth { get; }

    public string Name { get; }

    public int Count => _entries.Length;

    public CategoryMap? Categories => null;

    /// <summary>The list line of item <paramref name="index"/> (paths, focal length in pixels).</summary>
    public BtsSplitEntry EntryAt(int index) => _entries[index];

    public string ItemId(int index) => IdOf(_entries[index].RgbPath);

    public string ItemPath(int index) => Resolve(_entries[index].RgbPath);

    /// <summary>The depth PNG of item <paramref name="index"/>.</summary>
    public string DepthPath(int index) => Resolve(_entries[index].DepthPath!);

    public Sample Load(int index, SampleParts parts)
    {
        string rgbPath = ItemPath(index), depthPath = DepthPath(index);
        RgbImage? rgb = (parts & SampleParts.Image) != 0 ? ImageFile.ReadRgb(rgbPath) : null;
        DepthTarget? depth = null;
        int width, height;
        if ((parts & SampleParts.Depth) != 0 || rgb == null)
        {
            var map = Eval.Formats.Nyu.DepthMap.Read(depthPath);
            if (rgb != null && (map.Width != rgb.Width || map.Height != rgb.Height))
                throw new InvalidDataException($"{depthPath}: depth is {map.Width}x{map.Height} but its image {rgbPath} is {rgb.Width}x{rgb.Height}.");
            if ((parts & SampleParts.Depth) != 0) depth = DepthTarget.FromMetres(map);
            (width, height) = (map.Width, map.Height);
        }
        else
            (width, height) = (rgb.Width, rgb.Height);
        return Sample.Create(ItemId(index), width, height, rgbPath) with { Image = rgb, Depth = depth };
    }

    private string Resolve(string relative) => Path.Combine(DataFolder, relative.TrimStart('/'));

    private static string IdOf(string rgbPath)
    {
        string trimmed = rgbPath.TrimStart('/');
        string ext = Path.GetExtension(trimmed);
        return ext.Length > 0 ? trimmed[..^ext.Length] : trimmed;
    }
}
