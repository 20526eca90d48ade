using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Eval.Formats.Davis;

/// <summary>
/// A DAVIS 2017 root folder: <c>JPEGImages/&lt;resolution&gt;/&lt;seq&gt;/*.jpg</c>,
/// <c>Annotations/&lt;resolution&gt;/&lt;seq&gt;/*.png</c> (palette PNGs whose indices are object ids, 0 background,
/// 255 void) and <c>ImageSets/&lt;year&gt;/&lt;set&gt;.txt</c> (one sequence name per line). Listing follows the
/// official davis2017-evaluation loader: sorted globs, frame id = file name without extension.
/// </summary>
public sealed class DavisDataset
{
    /// <summary>Opens a DAVIS root; nothing is read until asked.</summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    public DavisDataset(string root, string resolution = "480p")
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: DAVIS root folder not found.");
        Root = root;
        Resolution = resolution;
    }

    public string Root { get; }

    /// <summary>The resolution folder name, <c>480p</c> by default (<c>Full-Resolution</c> also exists).</summary>
    public string Resolution { get; }

    public string ImagesFolder(string sequence) => Path.Combine(Root, "JPEGImages", Resolution, sequence);

    public string AnnotationsFolder(string sequence) => Path.Combine(Root, "Annotations", Resolution, sequence);

    /// <summary><c>ImageSets/&lt;year&gt;/&lt;set&gt;.txt</c>.</summary>
    public string ImageSetPath(string set = "val", string year = "2017") => Path.Combine(Root, "ImageSets", year, set + ".txt");

    /// <summary>The sequence names of a set, in file order (blank lines skipped, surrounding spaces trimmed).</summary>
    /// <exception cref="FileNotFoundException">No such image set file.</exception>
    public IReadOnlyList<string> ReadSequenceNames(string set = "val", string year = "2017")
    {
        string path = ImageSetPath(set, year);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: DAVIS image set not found (set '{set}', year {year}).", path);
        var names = new List<string>();
        foreach (string line in File.ReadLines(path))
        {
            string name = line.Trim();
            if (name.Length > 0) names.Add(name);
        }
        return names;
    }

    /// <summary>Lists a sequence's frames and annotations.</summary>
    /// <param name="name">The sequence folder name.</param>
    /// <param name="requireImages">As the official loader: a sequence without JPEG frames is an error.</param>
    /// <exception cref="DirectoryNotFoundException">Neither frames nor annotations exist for the sequence.</exception>
    /// <exception cref="InvalidDataException">No JPEG frames while <paramref name="requireImages"/>.</exception>
    public DavisSequence GetSequence(string name, bool requireImages = true)
    {
        string images = ImagesFolder(name), annotations = AnnotationsFolder(name);
        var imagePaths = SortedFiles(images, ".jpg");
        var annotationPaths = SortedFiles(annotations, ".png");
        if (imagePaths.Count == 0 && requireImages)
            throw new InvalidDataException($"{images}: no JPEG frames for sequence '{name}'.");
        if (imagePaths.Count == 0 && annotationPaths.Count == 0)
            throw new DirectoryNotFoundException($"{annotations}: sequence '{name}' has neither frames nor annotations.");
        return new DavisSequence(name, Ids(imagePaths), imagePaths, Ids(annotationPaths), annotationPaths);
    }

    /// <summary>The annotation of one frame as palette indices (see <see cref="DavisMask.Read"/>).</summary>
    public IndexedImage ReadAnnotation(string sequence, string frameId) =>
        DavisMask.Read(Path.Combine(AnnotationsFolder(sequence), frameId + ".png"));

    /// <summary>
    /// The number of objects K of a sequence: the largest index of its first annotation after void (255) is set to
    /// 0. Objects 1..K are evaluated, even an id absent from the first frame.
    /// </summary>
    public int ObjectCount(string sequence)
    {
        var s = GetSequence(sequence, requireImages: false);
        if (s.AnnotationPaths.Count == 0)
            throw new FileNotFoundException($"{AnnotationsFolder(sequence)}: no annotations for sequence '{sequence}'.");
        return DavisMask.ObjectCount(DavisMask.Read(s.AnnotationPaths[0]));
    }

    /// <summary>Files with the extension, sorted by ordinal name (Python's <c>sorted(glob(...))</c>); hidden files skipped.</summary>
    internal static List<string> SortedFiles(string folder, string extension)
    {
        if (!Directory.Exists(folder)) return [];
        var files = new List<string>();
        foreach (string f in Directory.EnumerateFiles(folder))
        {
            string name = Path.GetFileName(f);
            if (!name.StartsWith('.') && name.EndsWith(extension, StringComparison.Ordinal)) files.Add(f);
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static List<string> Ids(List<string> paths) => paths.ConvertAll(p => Path.GetFileNameWithoutExtension(p));
}
