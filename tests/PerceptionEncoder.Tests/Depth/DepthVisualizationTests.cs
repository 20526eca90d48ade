using OpenCvSharp;
using PerceptionEncoder.Heads.Depth.Visualization;
using DepthMap = PerceptionEncoder.Eval.Formats.Nyu.DepthMap;

namespace PerceptionEncoder.Tests.Depth;

public sealed class DepthVisualizationTests
{
    [Fact]
    public void TurboMap_AgainstOpenCvTurboTable_DiffersByRoundingAtMost()
    {
        // OpenCV's COLORMAP_TURBO holds the same published table, converted to 8 bits on its own.
        using var ramp = new Mat(1, 256, MatType.CV_8UC1);
        for (int i = 0; i < 256; i++) ramp.Set(0, i, (byte)i);
        using var table = new Mat();
        Cv2.ApplyColorMap(ramp, table, ColormapTypes.Turbo);
        int worst = 0;
        for (int i = 0; i < 256; i++)
        {
            var bgr = table.Get<Vec3b>(0, i);
            var (r, g, b) = TurboColormap.Map(i / 255.0);
            worst = Math.Max(worst, Math.Max(Math.Abs(r - bgr.Item2), Math.Max(Math.Abs(g - bgr.Item1), Math.Abs(b - bgr.Item0))));
        }
        Assert.True(worst <= 1, $"largest difference from OpenCV's Turbo table: {worst} grey levels");
    }

    [Fact]
    public void TurboMap_Ends_AreThePublishedFirstAndLastEntries()
    {
        // First entry (0.18995, 0.07176, 0.23217) and last (0.47960, 0.01583, 0.01055), times 255, rounded.
        Assert.Equal(((byte)48, (byte)18, (byte)59), TurboColormap.Map(0));
        Assert.Equal(((byte)122, (byte)4, (byte)3), TurboColormap.Map(1));
    }

    [Fact]
    public void TurboMap_OutsideTheUnitRangeAndNaN_AreClamped()
    {
        Assert.Equal(TurboColormap.Map(0), TurboColormap.Map(-3));
        Assert.Equal(TurboColormap.Map(1), TurboColormap.Map(7));
        Assert.Equal(TurboColormap.Map(0), TurboColormap.Map(double.NaN));
    }

    [Fact]
    public void Colorize_NearRedFarBlueMissingBlack()
    {
        var depth = new DepthMap(1, 3, [1f, 5f, 0f]);
        var image = DepthColorizer.Colorize(depth, near: 1, far: 5);
        Assert.Equal(TurboColormap.Map(1), image[0, 0]);
        Assert.Equal(TurboColormap.Map(0), image[0, 1]);
        Assert.Equal(((byte)0, (byte)0, (byte)0), image[0, 2]);
        var (r, _, b) = image[0, 0];
        Assert.True(r > b, "near should be warm");
    }

    [Fact]
    public void RangeOf_WithoutOptions_IsTheValidMinimumAndMaximum()
    {
        var depth = new DepthMap(2, 2, [0f, 2.5f, float.NaN, 7f]);
        Assert.Equal((2.5f, 7f), DepthColorizer.RangeOf(depth, DepthColorOptions.Default));
        Assert.Equal((1f, 9f), DepthColorizer.RangeOf(depth, new DepthColorOptions(1, 9)));
    }

    [Theory]
    [InlineData(0.7, 6.4, new[] { 1.0, 2, 3, 4, 5, 6 })]
    [InlineData(1.39, 6.63, new[] { 2.0, 3, 4, 5, 6 })]
    [InlineData(0.2, 0.9, new[] { 0.2, 0.4, 0.6, 0.8 })]
    [InlineData(2, 12, new[] { 2.0, 4, 6, 8, 10, 12 })]
    public void Ticks_PickRoundStepsInsideTheRange(double near, double far, double[] expected)
    {
        var ticks = DepthColorizer.Ticks(near, far);
        Assert.Equal(expected, ticks.Select(t => Math.Round(t, 9)));
    }

    [Fact]
    public void EncodePng_WithScaleBar_AppendsABarFromBlueAtTheTopToRedAtTheBottomAndLabels()
    {
        var metres = new float[120 * 160];
        for (int i = 0; i < metres.Length; i++) metres[i] = 1 + 4f * (i % 160) / 159;
        var png = DepthColorizer.EncodePng(new DepthMap(120, 160, metres));
        using var image = Cv2.ImDecode(png, ImreadModes.Color);
        Assert.Equal(120, image.Rows);
        Assert.True(image.Cols > 160 + 40, $"width {image.Cols}: no room for a scale bar");
        // The bar's column: the first strip column that is not white in the middle row.
        int bar = Enumerable.Range(160, image.Cols - 160).First(x => image.Get<Vec3b>(60, x) != new Vec3b(255, 255, 255)) + 2;
        var top = image.Get<Vec3b>(8, bar);
        var bottom = image.Get<Vec3b>(image.Rows - 8, bar);
        Assert.True(top.Item0 > top.Item2, $"top of the bar should be blue (far), BGR {top}");
        Assert.True(bottom.Item2 > bottom.Item0, $"bottom of the bar should be red (near), BGR {bottom}");
        int dark = 0, rows = image.Rows, cols = image.Cols;
        for (int y = 0; y < rows; y++)
            for (int x = bar + 10; x < cols; x++)
                if (image.Get<Vec3b>(y, x).Item0 < 100) dark++;
        Assert.True(dark > 30, "no tick labels drawn beside the bar");
    }

    [Fact]
    public void EncodePng_WithoutScaleBar_IsTheMapAlone()
    {
        var png = DepthColorizer.EncodePng(new DepthMap(4, 6, Enumerable.Repeat(2f, 24).ToArray()), new DepthColorOptions(ScaleBar: false));
        using var image = Cv2.ImDecode(png, ImreadModes.Color);
        Assert.Equal((4, 6), (image.Rows, image.Cols));
    }
}
