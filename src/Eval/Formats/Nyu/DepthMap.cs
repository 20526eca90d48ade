using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Eval.Formats.Nyu;

/// <summary>
/// A depth map in metres, float32, row-major <c>[H, W]</c>. In ground truth, 0 marks a pixel without a measurement.
/// </summary>
public sealed record DepthMap(int Height, int Width, float[] Metres)
{
    /// <summary>Depth at row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int y, int x] => Metres[y * Width + x];

    /// <summary>
    /// Reads a depth file by extension: <c>.png</c> = uint16 millimetres (converted as <c>float32(mm) / 1000</c> in
    /// float32, as BTS does: <c>np.asarray(png, np.float32) / 1000.0</c>); <c>.npy</c> = float32 metres
    /// (<c>[H, W]</c>, <c>[1, H, W]</c> or <c>[H, W, 1]</c>; float64/uint16/uint8 arrays are converted to float32
    /// values unchanged, so they must hold metres too).
    /// </summary>
    /// <exception cref="InvalidDataException">Another extension, a PNG that is not 16-bit greyscale, or an array that is not one map.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static DepthMap Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: depth file not found.", path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".png")
        {
            var png = Png.ReadGray16(path);
            var metres = new float[png.Pixels.Length];
            for (int i = 0; i < metres.Length; i++) metres[i] = png.Pixels[i] / 1000f;
            return new DepthMap(png.Height, png.Width, metres);
        }
        if (ext == ".npy")
        {
            var (data, shape) = Npy.ReadFloat32(path);
            int[] dims = shape.Where(d => d != 1).ToArray();
            if (shape.Length is < 2 or > 3 || dims.Length > 2)
                throw new InvalidDataException($"{path}: array of shape ({string.Join(", ", shape)}); expected one depth map [H, W].");
            int height = shape.Length == 3 && shape[0] == 1 ? shape[1] : shape[0];
            int width = shape.Length == 3 && shape[0] == 1 ? shape[2] : shape[1];
            return new DepthMap(height, width, data);
        }
        throw new InvalidDataException($"{path}: unknown depth file type '{ext}'; expected .png (uint16 millimetres) or .npy (float32 metres).");
    }

    /// <summary>Writes a uint16 PNG in millimetres (rounded; NaN, negative and below 0.5 mm become 0, above 65.535 m saturates), atomically.</summary>
    public void WritePng(string path)
    {
        var mm = new ushort[Metres.Length];
        for (int i = 0; i < mm.Length; i++)
        {
            double v = Math.Round(Metres[i] * 1000.0);
            mm[i] = double.IsNaN(v) || v <= 0 ? (ushort)0 : v >= ushort.MaxValue ? ushort.MaxValue : (ushort)v;
        }
        Png.WriteGray16(path, new Gray16Image(Width, Height, mm));
    }

    /// <summary>Writes a float32 <c>[H, W]</c> <c>.npy</c> in metres, atomically.</summary>
    public void WriteNpy(string path) => Npy.WriteFloat32(path, Metres, Height, Width);
}
