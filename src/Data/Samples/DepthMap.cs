namespace PerceptionEncoder.Data.Samples;

/// <summary>
/// A depth map in metres, row-major [H, W], with its validity: <see cref="Valid"/> is false where the sensor gave
/// no measurement (NYU: PNG value 0), and <see cref="Metres"/> is 0 there.
/// </summary>
public sealed record DepthMap(int Width, int Height, float[] Metres, bool[] Valid)
{
    public float this[int row, int column] => Metres[row * Width + column];

    public int ValidCount => Valid.Count(v => v);

    /// <summary>From NYU's uint16 millimetres: metres = mm / 1000, valid where mm &gt; 0.</summary>
    public static DepthMap FromMillimetres(int width, int height, ReadOnlySpan<ushort> millimetres)
    {
        var metres = new float[width * height];
        var valid = new bool[width * height];
        for (int i = 0; i < metres.Length; i++)
        {
            ushort mm = millimetres[i];
            valid[i] = mm > 0;
            metres[i] = mm / 1000f;
        }
        return new DepthMap(width, height, metres, valid);
    }

    /// <summary>Back to uint16 millimetres (rounded, clamped to 65535; invalid pixels 0).</summary>
    public ushort[] ToMillimetres()
    {
        var mm = new ushort[Metres.Length];
        for (int i = 0; i < mm.Length; i++)
            mm[i] = Valid[i] ? (ushort)Math.Clamp(Math.Round(Metres[i] * 1000.0), 1, 65535) : (ushort)0;
        return mm;
    }
}
