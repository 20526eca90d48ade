using PerceptionEncoder.Heads.Tracking;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary>The protocol's small pieces against hand-worked values and independent computations.</summary>
public class TrackingPiecesTests
{
    [Theory]
    [InlineData(480, 854, 480, 480, 832)]    // DAVIS 480p: 854 -> 832 (floored to a multiple of 64)
    [InlineData(854, 480, 480, 832, 480)]    // portrait: the width is the short side
    [InlineData(500, 500, 480, 480, 448)]    // square: treated as landscape, 480 floored to 448
    [InlineData(192, 270, 192, 192, 256)]    // the fixture's geometry
    [InlineData(1080, 1920, 480, 480, 832)]  // Full-Resolution DAVIS: 853.3 -> 832
    public void ProcessedSize_ShortSideAndLongSideFloor_FollowsReadFrame(int height, int width, int shortSide, int expectedHeight, int expectedWidth)
    {
        var size = new FramePreprocessing { ShortSide = shortSide }.ProcessedSize(height, width);
        Assert.Equal((expectedHeight, expectedWidth), size);
    }

    [Fact]
    public void SourceIndices_ExactIntegerProducts_FollowPilAccumulation()
    {
        // LABELPROP_SPEC §5.4: where (k + 0.5)·in/out is an exact integer, PIL's accumulated position falls just
        // below it: 832 -> 854 at output 640 ((640.5·832/854 = 624 exactly) takes source 623.
        int[] davis = PilNearest.SourceIndices(832, 854);
        Assert.Equal(623, davis[640]);
        Assert.Equal(0, davis[0]);
        Assert.Equal(831, davis[853]);
        Assert.Equal(Enumerable.Range(0, 7), PilNearest.SourceIndices(7, 7));
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2 }, PilNearest.SourceIndices(3, 6));
        Assert.Equal(new[] { 1, 4 }, PilNearest.SourceIndices(6, 2)); // s = 3: positions 1.5, 4.5
    }

    [Fact]
    public void Argmax_EqualScores_FirstChannelWinsAndNaNIsLargest()
    {
        using var scores = tensor(new float[] { 1, 0.5f, 0, float.NaN, 1, 0.7f, 0, 0.2f }, [2, 1, 4]); // [K, H, W]
        Assert.Equal(new byte[] { 0, 1, 0, 0 }, MaskDecoding.Argmax(scores));
    }

    [Fact]
    public void UpsampleAndNormalize_PositiveChannelsRescaledOthersUntouched()
    {
        // Channel 0: 1 and 3 -> min-max to 0 and 1 (after upsampling by 1, i.e. unchanged geometry);
        // channel 1: all ≤ 0 -> untouched.
        using var soft = tensor(new float[] { 1, 3, -1, 0 }, [2, 1, 2]);
        using var normed = MaskDecoding.UpsampleAndNormalize(soft, patch: 1);
        Assert.Equal(new float[] { 0, 1, -1, 0 }, normed.data<float>().ToArray());
    }

    [Fact]
    public void UpsampleAndNormalize_BilinearHalfPixel_MatchesHandComputation()
    {
        // One channel [0, 4] upsampled ×2 with align_corners=false: outputs at src = (x + 0.5)/2 − 0.5 =
        // −0.25 (clamped to 0), 0.25, 0.75, 1.25 (edge) -> 0, 1, 3, 4; then min-max -> 0, 0.25, 0.75, 1.
        using var soft = tensor(new float[] { 0, 4 }, [1, 1, 2]);
        using var normed = MaskDecoding.UpsampleAndNormalize(soft, patch: 2);
        Assert.Equal([1, 2, 4], normed.shape);
        Assert.Equal(new float[] { 0, 0.25f, 0.75f, 1 }, normed[0, 0].data<float>().ToArray());
    }

    [Fact]
    public void OneHot_NearestToGrid_ChannelsUpToLargestSurvivingId()
    {
        // 4×4 mask with ids 0, 2 and a one-pixel id 5 that nearest sampling to 2×2 skips: K = 2 + 1 = 3, channel 1
        // (absent id) all zero. PIL picks source rows/cols 1 and 3 (positions 1.0 and 3.0).
        var pixels = new byte[16];
        pixels[1 * 4 + 1] = 2; // (y 1, x 1) -> grid (0, 0)
        pixels[3 * 4 + 3] = 2; // (y 3, x 3) -> grid (1, 1)
        pixels[0] = 5;         // (0, 0): not sampled
        using var oneHot = FirstFrameMask.OneHot(new IndexedImage(4, 4, pixels), 2, 2);
        Assert.Equal([3, 2, 2], oneHot.shape);
        Assert.Equal(new float[] { 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1 }, oneHot.data<float>().ToArray());
    }

    [Fact]
    public void Read_SixteenBitMaskWithSmallIds_AcceptedAsIds()
    {
        using var temp = new TempDirectory();
        string path = temp.File("m.png");
        Png.WriteGray16(path, new Gray16Image(3, 1, [0, 7, 254]));
        Assert.Equal(new byte[] { 0, 7, 254 }, FirstFrameMask.Read(path).Pixels);
    }

    [Fact]
    public void Read_BinaryZero255Mask_ExplainsTheVoidLabel()
    {
        using var temp = new TempDirectory();
        string path = temp.File("binary.png");
        Png.WriteIndexed(path, new IndexedImage(2, 1, [0, 255]));
        var e = Assert.Throws<InvalidDataException>(() => FirstFrameMask.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("0/255", e.Message);
    }

    [Fact]
    public void Read_MissingMask_FileNotFoundNamingIt()
    {
        using var temp = new TempDirectory();
        string path = temp.File("absent.png");
        var e = Assert.Throws<FileNotFoundException>(() => FirstFrameMask.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Read_Frame_ResizesAsHalfPixelBilinearAndNormalisesRgb()
    {
        // A 40×30 frame with distinct R, G, B ramps, read with short side 15 -> 15 × floor(20/4)·4 = 15×20.
        // Expected: half-pixel bilinear (cv2 INTER_LINEAR, no antialiasing) computed here in double; cv2 works in
        // fixed point on 8-bit images, so allow one grey level.
        const int w = 40, h = 30;
        var pixels = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                pixels[(y * w + x) * 3] = (byte)(x * 6);
                pixels[(y * w + x) * 3 + 1] = (byte)(y * 8);
                pixels[(y * w + x) * 3 + 2] = (byte)((x * y) % 256);
            }
        using var temp = new TempDirectory();
        string path = temp.File("frame.png");
        ImageFile.WriteRgb(path, new RgbImage(w, h, pixels));
        var pre = new FramePreprocessing { ShortSide = 15, LongSideMultiple = 4 };
        var (image, height, width) = FrameLoader.Read(path, pre);
        using (image)
        {
            Assert.Equal((h, w), (height, width));
            Assert.Equal([3, 15, 20], image.shape);
            float[] actual = image.data<float>().ToArray();
            double worst = 0;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 15; y++)
                    for (int x = 0; x < 20; x++)
                    {
                        double expected = Bilinear(pixels, w, h, c, (y + 0.5) * h / 15 - 0.5, (x + 0.5) * w / 20 - 0.5) / 255 * 2 - 1;
                        worst = Math.Max(worst, Math.Abs(expected - actual[(c * 15 + y) * 20 + x]));
                    }
            Assert.True(worst <= 1.01 * 2 / 255, $"max |difference| {worst}");
        }
    }

    [Fact]
    public void Read_NotAnImage_FailsNamingTheFile()
    {
        using var temp = new TempDirectory();
        string path = temp.File("frame.jpg");
        File.WriteAllText(path, "not a jpeg");
        var e = Assert.Throws<InvalidDataException>(() => FrameLoader.Read(path, new FramePreprocessing()));
        Assert.Contains(path, e.Message);
    }

    private static double Bilinear(byte[] rgb, int w, int h, int channel, double sy, double sx)
    {
        sy = Math.Max(sy, 0);
        sx = Math.Max(sx, 0);
        int y0 = Math.Min((int)sy, h - 1), x0 = Math.Min((int)sx, w - 1);
        int y1 = Math.Min(y0 + 1, h - 1), x1 = Math.Min(x0 + 1, w - 1);
        double fy = sy - y0, fx = sx - x0;
        double P(int y, int x) => rgb[(y * w + x) * 3 + channel];
        return (1 - fy) * ((1 - fx) * P(y0, x0) + fx * P(y0, x1)) + fy * ((1 - fx) * P(y1, x0) + fx * P(y1, x1));
    }
}
