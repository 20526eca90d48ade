namespace PerceptionEncoder.Heads.Depth.Visualization;

/// <summary>
/// Google's Turbo colormap (Mikhailov 2019, Apache-2.0) through its published polynomial approximation (Ruofei Du's
/// GLSL fit of the 256-entry table): each channel is a degree-5 polynomial of t in [0, 1], dark blue at 0, green
/// near 0.5, dark red at 1. It stays within a few grey levels of the table.
/// </summary>
public static class TurboColormap
{
    // Coefficients of t^0 .. t^5 per channel, as published.
    private static readonly double[] Red = [0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943];
    private static readonly double[] Green = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604];
    private static readonly double[] Blue = [0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973];

    /// <summary>The colour of <paramref name="t"/> (clamped to [0, 1]; NaN counts as 0) as channels in [0, 1].</summary>
    public static (double R, double G, double B) Evaluate(double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        return (Math.Clamp(Polynomial(Red, t), 0, 1), Math.Clamp(Polynomial(Green, t), 0, 1), Math.Clamp(Polynomial(Blue, t), 0, 1));
    }

    /// <summary>The colour of <paramref name="t"/> as 8-bit RGB (rounded).</summary>
    public static (byte R, byte G, byte B) Map(double t)
    {
        var (r, g, b) = Evaluate(t);
        return (ToByte(r), ToByte(g), ToByte(b));
    }

    private static double Polynomial(double[] c, double t) =>
        c[0] + t * (c[1] + t * (c[2] + t * (c[3] + t * (c[4] + t * c[5]))));

    private static byte ToByte(double v) => (byte)Math.Round(v * 255, MidpointRounding.AwayFromZero);
}
