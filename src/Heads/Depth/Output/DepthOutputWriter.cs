using PerceptionEncoder.Heads.Depth.Visualization;
using DepthMap = PerceptionEncoder.Eval.Formats.Nyu.DepthMap;

namespace PerceptionEncoder.Heads.Depth.Output;

/// <summary>
/// The files `pe depth` writes per image, named by the image's path relative to its input folder without the
/// extension (or its file name alone), one folder per kind so that each is a clean `pe eval nyu --pred` folder:
/// <c>DIR/npy/&lt;name&gt;.npy</c> (float32 metres, [H, W]), <c>DIR/png/&lt;name&gt;.png</c> (uint16 millimetres)
/// and <c>DIR/color/&lt;name&gt;.png</c> (Turbo with a scale bar). Every file is written atomically.
/// </summary>
public static class DepthOutputWriter
{
    public const string NpyFolder = "npy";
    public const string PngFolder = "png";
    public const string ColorFolder = "color";

    /// <summary>Writes the three files of one prediction and returns their paths (PNG, NPY, colour PNG).</summary>
    public static (string Png, string Npy, string Color) Write(string directory, string name, DepthMap depth, DepthColorOptions? color = null)
    {
        string png = Path.Combine(directory, PngFolder, name + ".png");
        string npy = Path.Combine(directory, NpyFolder, name + ".npy");
        string colour = Path.Combine(directory, ColorFolder, name + ".png");
        foreach (string path in new[] { png, npy, colour })
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        depth.WritePng(png);
        depth.WriteNpy(npy);
        DepthColorizer.WritePng(colour, depth, color);
        return (png, npy, colour);
    }

    /// <summary>
    /// Output names for input image paths: relative to the input folder they were found in (without extension), or
    /// the bare file name for files given directly. Refuses two inputs that would write the same files.
    /// </summary>
    /// <param name="inputs">The command-line inputs (files or folders).</param>
    /// <param name="images">The expanded image files, each under one of <paramref name="inputs"/>.</param>
    public static IReadOnlyList<string> NamesOf(IReadOnlyList<string> inputs, IReadOnlyList<string> images)
    {
        var folders = inputs.Where(Directory.Exists).Select(f => Path.GetFullPath(f)).ToList();
        var names = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string image in images)
        {
            string full = Path.GetFullPath(image);
            string? folder = folders.FirstOrDefault(f => full.StartsWith(f.TrimEnd('/') + "/", StringComparison.Ordinal));
            string relative = folder != null ? Path.GetRelativePath(folder, full) : Path.GetFileName(full);
            string name = Path.ChangeExtension(relative, null).Replace('\\', '/');
            if (seen.TryGetValue(name, out string? other))
                throw new ArgumentException($"{image} and {other} would both write depth '{name}'; give them from different folders or rename one.");
            seen[name] = image;
            names.Add(name);
        }
        return names;
    }
}
