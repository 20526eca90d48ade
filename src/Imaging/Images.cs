namespace PerceptionEncoder.Imaging;

/// <summary>A single-channel 8-bit image: label ids (row-major, [H, W]) and, for palette files, the RGB palette.</summary>
public sealed record IndexedImage(int Width, int Height, byte[] Pixels, byte[]? Palette = null)
{
    public byte this[int y, int x] => Pixels[y * Width + x];
}

/// <summary>A 16-bit greyscale image, row-major [H, W] (NYU depth in millimetres).</summary>
public sealed record Gray16Image(int Width, int Height, ushort[] Pixels);

/// <summary>An 8-bit RGB image, row-major interleaved [H, W, 3].</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    public (byte R, byte G, byte B) this[int y, int x]
    {
        get
        {
            int i = (y * Width + x) * 3;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }
}
