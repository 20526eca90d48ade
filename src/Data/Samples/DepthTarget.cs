namespace PerceptionEncoder.Data.Samples;

/// <summary>
/// A depth map in metres, row-major [H, W], with its validity: <see cref="Valid"/> is false where the sensor gave
/// no measurement (NYU: PNG value 0), and <see cref="Metres"/> is 0 there.
/// </summary>
public sealed record DepthTarget(int Width, int Height, float[] Metres, bool[] Valid)
{
    public float this[int row, int column] => Metres[row * Width + column];

    public int ValidCount => Valid.Count(v => v);

    /// <summary>
    /// From a ground-truth map in metres (NYU: <see cref="Eval.Formats.Nyu.DepthMap.Read"/>, i.e. PNG millimetres / 1000):
    /// valid where the value is a positive finite number.
    /// </summary>
    public static DepthTarget FromMetres(Eval.Formats.Nyu.DepthMap map)
    {
        var metres = new float[map.Metres.Length];
        var valid = new bool[metres.Length];
        for (int i = 0; i < metres.Length; i++)
        {
            float v = map.Metres[i];
            valid[i] = v > 0 && float.IsFinite(v);
            metres[i] = valid[i] ? v : 0;
        }
        return new DepthTarget(map.Width, map.Height, metres, valid);
    }

    /// <summary>As a ground-truth map in metres (0 where not valid), for writing with <see cref="Eval.Formats.Nyu.DepthMap.WritePng"/>.</summary>
    public Eval.Formats.Nyu.DepthMap ToMetresMap()
    {
        var metres = new float[Metres.Length];
        for (int i = 0; i < metres.Length; i++) metres[i] = Valid[i] ? Metres[i] : 0;
        return new Eval.Formats.Nyu.DepthMap(Height, Width, metres);
    }
}
