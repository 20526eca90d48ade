using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PerceptionEncoder.Imaging;

/// <summary>Colour images in and out (JPEG, PNG, BMP, ...) through ImageSharp, always as 8-bit RGB.</summary>
public static class ImageFile
{
    /// <summary>File extensions treated as images when a folder is given.</summary>
    public static IReadOnlySet<string> Extensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff" };

    /// <summary>Decodes an image file to RGB.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable image; the message names it.</exception>
    public static RgbImage ReadRgb(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        try
        {
            using var image = Image.Load<Rgb24>(path);
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a readable image ({e.Message.TrimEnd('.')}).", e);
        }
    }

    /// <summary>Reads only the size of an image.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        try
        {
            var info = Image.Identify(path) ?? throw new InvalidDataException($"{path}: not a readable image.");
            return (info.Width, info.Height);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a readable image ({e.Message.TrimEnd('.')}).", e);
        }
    }

    /// <summary>Writes RGB as PNG, or JPEG (quality 95) when the extension says so, atomically.</summary>
    public static void WriteRgb(string path, RgbImage image)
    {
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        AtomicFile.Write(path, stream =>
        {
            if (ext is ".jpg" or ".jpeg")
                img.SaveAsJpeg(stream, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 95 });
            else
                img.SaveAsPng(stream);
        });
    }

    /// <summary>Lists the image files of the inputs: files are kept as given, folders are expanded (sorted, recursive).</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f)))
                    .Order(StringComparer.Ordinal));
            else if (File.Exists(input))
                files.Add(input);
            else
                throw new FileNotFoundException($"{input}: no such file or folder.", input);
        }
        return files;
    }
}
