using System.Buffers.Binary;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// The first-frame annotation: object ids per pixel (0 = background), read from a palette or greyscale PNG, and its
/// one-hot encoding at the feature grid.
/// </summary>
public static class FirstFrameMask
{
    /// <summary>DAVIS's void label; results holding it cannot be evaluated.</summary>
    public const int Void = 255;

    /// <summary>
    /// Reads a first-frame annotation as object ids: palette (mode P) or 8-bit greyscale PNGs as they are, 16-bit
    /// greyscale PNGs when every id fits in 1..254.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">An RGB mask, ids beyond 254, DAVIS's void 255, or not a PNG; the message names the file.</exception>
    public static IndexedImage Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: first-frame mask not found.", path);
        var (bitDepth, colorType) = PeekHeader(path);
        IndexedImage mask;
        if (colorType is 2 or 6 || colorType == 4)
        {
            string kind = colorType switch { 2 => "RGB", 6 => "RGBA", _ => "grey+alpha" };
            throw new InvalidDataException(
                $"{path}: the first-frame mask is an {kind} PNG; label propagation needs object ids per pixel: save it as a " +
                "palette (mode P) or 8-bit greyscale PNG whose values are 0 (background), 1, 2, … as DAVIS Annotations are.");
        }
        if (colorType == 0 && bitDepth == 16)
        {
            var wide = Png.ReadGray16(path);
            int max = wide.Pixels.Length == 0 ? 0 : wide.Pixels.Max();
            if (max > byte.MaxValue)
                throw new InvalidDataException(
                    $"{path}: a 16-bit mask with object ids up to {max}; results are 8-bit palette PNGs, so at most 254 objects " +
                    "(ids 1..254) can be tracked.");
            mask = new IndexedImage(wide.Width, wide.Height, wide.Pixels.Select(v => (byte)v).ToArray());
        }
        else
            mask = Png.ReadIndexed(path);

        if (Array.IndexOf(mask.Pixels, (byte)Void) >= 0)
        {
            bool binary = mask.Pixels.All(v => v is 0 or Void);
            throw new InvalidDataException(binary
                ? $"{path}: a binary 0/255 mask (DAVIS 2016 style); object ids must be 1..254 (255 is DAVIS's void): map the foreground to 1."
                : $"{path}: holds the value 255, DAVIS's void label, which cannot be tracked as an object (results with 255 are " +
                  "rejected by the DAVIS evaluator); set those pixels to 0 or to an object id.");
        }
        return mask;
    }

    /// <summary>
    /// The mask resized straight to the feature grid with PIL NEAREST and one-hot encoded, as the reference's
    /// read_seg + to_one_hot: K = (largest id present at the grid) + 1 channels.
    /// </summary>
    /// <returns>[K, h, w] float32, each grid cell one-hot.</returns>
    public static Tensor OneHot(IndexedImage mask, int gridHeight, int gridWidth)
    {
        byte[] small = PilNearest.Resize<byte>(mask.Pixels, mask.Height, mask.Width, gridHeight, gridWidth);
        int k = small.Max() + 1, n = small.Length;
        var data = new float[k * n];
        for (int p = 0; p < n; p++) data[small[p] * n + p] = 1f;
        return tensor(data, [k, gridHeight, gridWidth]);
    }

    private static (int BitDepth, int ColorType) PeekHeader(string path)
    {
        Span<byte> header = stackalloc byte[26];
        using (var stream = File.OpenRead(path))
        {
            int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (read < header.Length || BinaryPrimitives.ReadUInt64BigEndian(header) != 0x89504E470D0A1A0AUL)
                throw new InvalidDataException($"{path}: the first-frame mask is not a PNG file.");
        }
        return (header[24], header[25]);
    }
}
