using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Eval.Formats.Davis;

/// <summary>
/// A DAVIS results folder: <c>&lt;root&gt;/&lt;seq&gt;/&lt;frame id&gt;.png</c>, palette PNGs of object ids at the
/// annotation size (as <c>pe track</c> writes them and the official evaluator reads them).
/// </summary>
public sealed class DavisResults
{
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public DavisResults(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: DAVIS results folder not found.");
        Root = root;
    }

    public string Root { get; }

    public string PathOf(string sequence, string frameId) => Path.Combine(Root, sequence, frameId + ".png");

    /// <summary>Reads one result frame as indices.</summary>
    /// <exception cref="FileNotFoundException">The frame is missing (with the expected path).</exception>
    /// <exception cref="InvalidDataException">An RGB or corrupt PNG.</exception>
    public IndexedImage Read(string sequence, string frameId)
    {
        string path = PathOf(sequence, frameId);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path}: result frame missing (sequence '{sequence}', frame {frameId}); every annotated frame but the first and last needs one.", path);
        return DavisMask.Read(path);
    }

    /// <summary>Writes one result frame as a palette PNG (DAVIS palette unless the image carries one), atomically.</summary>
    public void Write(string sequence, string frameId, IndexedImage labels) => Png.WriteIndexed(PathOf(sequence, frameId), labels);
}
