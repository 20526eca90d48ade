using System.Globalization;
using System.Runtime.InteropServices;
using OpenCvSharp;
using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Heads.Depth.Visualization;

/// <summary>
/// Colour pictures of depth maps: Turbo from red (near) to dark blue (far), black where the depth is missing
/// (0, negative, NaN), with a colour bar labelled in metres beside the map.
/// </summary>
public static class DepthColorizer
{
    /// <summary>The depth range coloured: the options' near/far, else the smallest and largest valid depth.</summary>
    public static (float Near, float Far) RangeOf(DepthMap depth, DepthColorOptions options)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float d in depth.Metres)
        {
            if (!IsValid(d)) continue;
            lo = Math.Min(lo, d);
            hi = Math.Max(hi, d);
        }
        if (float.IsPositiveInfinity(lo)) (lo, hi) = (0, 1);
        float near = options.Near ?? lo, far = options.Far ?? hi;
        if (!(far > near)) far = near + Math.Max(1e-3f, Math.Abs(near) * 1e-3f);
        return (near, far);
    }

    /// <summary>The colour map alone, at the depth map's size.</summary>
    public static RgbImage Colorize(DepthMap depth, float near, float far)
    {
        var pixels = new byte[depth.Height * depth.Width * 3];
        for (int i = 0; i < depth.Metres.Length; i++)
        {
            float d = depth.Metres[i];
            if (!IsValid(d)) continue;
            var (r, g, b) = TurboColormap.Map((far - d) / (far - near));
            pixels[3 * i] = r;
            pixels[3 * i + 1] = g;
            pixels[3 * i + 2] = b;
        }
        return new RgbImage(depth.Width, depth.Height, pixels);
    }

    /// <summary>The picture as PNG bytes: the colour map, then (with <see cref="DepthColorOptions.ScaleBar"/>) the colour bar.</summary>
    public static byte[] EncodePng(DepthMap depth, DepthColorOptions? options = null)
    {
        options ??= DepthColorOptions.Default;
        var (near, far) = RangeOf(depth, options);
        var map = Colorize(depth, near, far);
        int barWidth = options.ScaleBar ? ScaleBarWidth(depth.Height) : 0;
        using var canvas = new Mat(depth.Height, depth.Width + barWidth, MatType.CV_8UC3, Scalar.White);
        using (var region = new Mat(canvas, new Rect(0, 0, depth.Width, depth.Height)))
            CopyRgb(map, region);
        if (options.ScaleBar)
            DrawScaleBar(canvas, depth.Width, barWidth, near, far);
        Cv2.ImEncode(".png", canvas, out byte[] png);
        return png;
    }

    /// <summary>Writes <see cref="EncodePng"/> to <paramref name="path"/> atomically.</summary>
    public static void WritePng(string path, DepthMap depth, DepthColorOptions? options = null) =>
        AtomicFile.WriteAllBytes(path, EncodePng(depth, options));

    /// <summary>Tick values for a colour bar from <paramref name="near"/> to <paramref name="far"/>: multiples of a 1-2-2.5-5 step, 3 to 7 of them.</summary>
    public static IReadOnlyList<double> Ticks(double near, double far)
    {
        double span = far - near;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(span / 5)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => span / s <= 6);
        var ticks = new List<double>();
        for (double v = Math.Ceiling(near / step - 1e-9) * step; v <= far + 1e-9 * step; v += step)
            ticks.Add(Math.Round(v / step) * step);
        return ticks;
    }

    private static int DecimalsOf(double step)
    {
        int decimals = 0;
        while (decimals < 6 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-6) decimals++;
        return decimals;
    }

    private static bool IsValid(float d) => d > 0 && float.IsFinite(d);

    private static int ScaleBarWidth(int height) => Math.Max(48, (int)Math.Round(96 * Math.Clamp(height / 480.0, 0.5, 3)));

    private static void DrawScaleBar(Mat canvas, int left, int width, float near, float far)
    {
        int height = canvas.Rows;
        double k = Math.Clamp(height / 480.0, 0.35, 3);
        int pad = Math.Max(4, (int)(12 * k));
        int barLeft = left + Math.Max(3, (int)(8 * k)), barWidth = Math.Max(6, (int)(16 * k));
        int top = pad, bottom = height - 1 - pad;
        if (bottom <= top) return;
        for (int y = top; y <= bottom; y++)
        {
            // Far at the top, near at the bottom.
            double t = (double)(y - top) / (bottom - top);
            var (r, g, b) = TurboColormap.Map(t);
            canvas.Line(new Point(barLeft, y), new Point(barLeft + barWidth - 1, y), new Scalar(b, g, r));
        }
        double fontScale = 0.4 * k;
        int thickness = Math.Max(1, (int)Math.Round(k));
        var ticks = Ticks(near, far);
        int decimals = ticks.Count > 1 ? DecimalsOf(ticks[1] - ticks[0]) : 1;
        foreach (double v in ticks)
        {
            int y = top + (int)Math.Round((far - v) / (far - near) * (bottom - top));
            canvas.Line(new Point(barLeft + barWidth, y), new Point(barLeft + barWidth + Math.Max(2, (int)(4 * k)), y), Scalar.Black, thickness);
            string label = v.ToString("F" + decimals, CultureInfo.InvariantCulture) + " m";
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, fontScale, thickness, out _);
            int textY = Math.Clamp(y + size.Height / 2, size.Height, height - 2);
            canvas.PutText(label, new Point(barLeft + barWidth + Math.Max(4, (int)(7 * k)), textY), HersheyFonts.HersheySimplex,
                fontScale, Scalar.Black, thickness, LineTypes.AntiAlias);
        }
    }

    private static void CopyRgb(RgbImage image, Mat target)
    {
        var bgr = new byte[image.Pixels.Length];
        for (int i = 0; i < bgr.Length; i += 3)
        {
            bgr[i] = image.Pixels[i + 2];
            bgr[i + 1] = image.Pixels[i + 1];
            bgr[i + 2] = image.Pixels[i];
        }
        using var source = new Mat(image.Height, image.Width, MatType.CV_8UC3);
        Marshal.Copy(bgr, 0, source.Data, bgr.Length);
        source.CopyTo(target);
    }
}
