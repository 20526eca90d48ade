using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Datasets;

/// <summary>
/// Every image under a folder (recursively, in ordinal path order), without targets; id = the path relative to the
/// folder without extension.
/// </summary>
public sealed class ImageFolderSource : ISampleSource
{
    private readonly string[] _files;

    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public ImageFolderSource(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: image folder not found.");
        Folder = Path.GetFullPath(folder);
        _files = [.. ImageFile.Expand([Folder])];
        var duplicate = _files.GroupBy(IdOf).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new InvalidDataException($"{Folder}: {string.Join(" and ", duplicate)} have the same name without extension; rename one.");
        Name = $"folder {Folder}";
    }

    /// <summary><c>root/split</c> (<c>--split .</c>: the root itself).</summary>
    /// <param name="dataRoot">The folder; null: <c>PE_DATASETS</c>.</param>
    /// <param name="split">A sub-folder, or <c>.</c>.</param>
    public static ImageFolderSource Open(string? dataRoot, string split)
    {
        string root = DatasetRoot.Resolve(dataRoot);
        string folder = split is "" or "." ? root : Path.Combine(root, split);
        return new ImageFolderSource(folder);
    }

    public string Folder { get; }

    public string Name { get; }

    public int Count => _files.Length;

    public CategoryMap? Categories => null;

    public string ItemId(int index) => IdOf(_files[index]);

    public string ItemPath(int index) => _files[index];

    public Sample Load(int index, SampleParts parts)
    {
        string path = _files[index];
        if ((parts & SampleParts.Image) != 0)
        {
            var rgb = ImageFile.ReadRgb(path);
            return Sample.Create(ItemId(index), rgb.Width, rgb.Height, path) with { Image = rgb };
        }
        var (w, h) = ImageFile.ReadSize(path);
        return Sample.Create(ItemId(index), w, h, path);
    }

    private string IdOf(string file)
    {
        string relative = Path.GetRelativePath(Folder, file).Replace('\\', '/');
        string ext = Path.GetExtension(relative);
        return ext.Length > 0 ? relative[..^ext.Length] : relative;
    }
}
