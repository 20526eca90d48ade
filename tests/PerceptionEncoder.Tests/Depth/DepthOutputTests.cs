using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Evaluation;
using PerceptionEncoder.Heads.Depth.Inference;
using PerceptionEncoder.Heads.Depth.Output;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;
using DepthMap = PerceptionEncoder.Eval.Formats.Nyu.DepthMap;

namespace PerceptionEncoder.Tests.Depth;

public sealed class DepthOutputTests
{
    [Fact]
    public void Write_OnePrediction_GivesMillimetrePngMetreNpyAndColourPicture()
    {
        using var dir = new TempDirectory();
        var depth = new DepthMap(2, 3, [1.2345f, 0.0004f, 10f, 2f, 3.5f, 65.6f]);
        var (png, npy, color) = DepthOutputWriter.Write(dir.Path, "scene/rgb_00001", depth);
        Assert.Equal(dir.File("png", "scene", "rgb_00001.png"), png);
        Assert.Equal(dir.File("npy", "scene", "rgb_00001.npy"), npy);
        Assert.Equal(dir.File("color", "scene", "rgb_00001.png"), color);
        var mm = Png.ReadGray16(png);
        Assert.Equal((3, 2), (mm.Width, mm.Height));
        Assert.Equal(new ushort[] { 1235, 0, 10000, 2000, 3500, 65535 }, mm.Pixels);
        var (metres, shape) = Npy.ReadFloat32(npy);
        Assert.Equal([2, 3], shape);
        Assert.Equal(depth.Metres, metres);
        Assert.True(new FileInfo(color).Length > 0);
    }

    [Fact]
    public void NamesOf_FolderInputsKeepSubFoldersAndFilesTheirStem()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("in", "kitchen"));
        foreach (string f in new[] { dir.File("in", "kitchen", "rgb_1.jpg"), dir.File("other.png") }) File.WriteAllText(f, "");
        var names = DepthOutputWriter.NamesOf([dir.File("in"), dir.File("other.png")], [dir.File("in", "kitchen", "rgb_1.jpg"), dir.File("other.png")]);
        Assert.Equal(["kitchen/rgb_1", "other"], names);
    }

    [Fact]
    public void NamesOf_TwoImagesWithTheSameOutput_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => DepthOutputWriter.NamesOf(["a/x.jpg", "b/x.png"], ["a/x.jpg", "b/x.png"]));
        Assert.Contains("'x'", e.Message);
    }

    [Fact]
    public void Baselines_Fit_TakeNumpyMediansOfValidDepthsOnly()
    {
        // Three 2x2 maps; pixel 3 is valid only once, pixel 1 never (12 m is out of range).
        var maps = new[]
        {
            new DepthTarget(2, 2, [1, 12, 2, 5], [true, true, true, true]),
            new DepthTarget(2, 2, [3, 0, 4, 0], [true, false, true, false]),
            new DepthTarget(2, 2, [2, 0, 9, 0], [true, false, true, false]),
        };
        var baselines = DepthBaselines.Fit(maps, DepthRange.Nyu, 2, 2);
        // Valid values pooled: 1, 2, 5, 3, 4, 2, 9 -> sorted 1 2 2 3 4 5 9 -> median 3.
        Assert.Equal(3f, baselines.Constant);
        Assert.Equal(new[] { 2f, 3f, 4f, 5f }, baselines.PixelMedian);
        Assert.Equal(3, baselines.Images);
        Assert.Equal(Enumerable.Repeat(3f, 6), baselines.ConstantPrediction(2, 3).Metres);
        // 2x2 -> 3x3 with align_corners: the centre is the mean of the four medians.
        Assert.Equal(3.5f, baselines.PixelMedianPrediction(3, 3).Metres[4], 5);
        Assert.Equal(2f, baselines.PixelMedianPrediction(3, 3).Metres[0]);
    }

    [Fact]
    public void Baselines_Fit_NoValidDepth_IsRejected()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            DepthBaselines.Fit([new DepthTarget(1, 1, [0], [false])], DepthRange.Nyu, 1, 1));
        Assert.Contains("no valid training depth", e.Message);
    }

    [Fact]
    public void ToSize_Upsampling_UsesAlignCorners()
    {
        using var depth = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 2, 2);
        using var up = DepthResize.ToSize(depth, 3, 3);
        Assert.Equal(new[] { 1f, 1.5f, 2f, 2f, 2.5f, 3f, 3f, 3.5f, 4f }, up.data<float>().ToArray());
    }

    [Fact]
    public void ToOriginal_FlippedPaddedSample_CropsFlipsAndResizesBack()
    {
        // A 4x2 original squash-resized to 2x2, flipped, on a 3x3 canvas (padding right and bottom).
        var sample = Sample.Create("x", 4, 2) with
        {
            Width = 2,
            Height = 2,
            CanvasWidth = 3,
            CanvasHeight = 3,
            Geometry = ImageGeometry.Identity(4, 2).Then(0.5, 0, 1, 0).Then(-1, 2, 1, 0),
        };
        using var canvas = tensor(new float[] { 1, 2, 9, 3, 4, 9, 9, 9, 9 }).reshape(1, 1, 3, 3);
        using var back = DepthResize.ToOriginal(canvas, sample);
        Assert.Equal(new long[] { 1, 1, 2, 4 }, back.shape);
        // Unflipped content [[2, 1], [4, 3]], then 2 -> 4 columns with align_corners: 2, 5/3, 4/3, 1.
        var row = back[0, 0, 0].data<float>().ToArray();
        foreach (var (expected, actual) in new[] { 2f, 5f / 3, 4f / 3, 1f }.Zip(row))
            Assert.Equal(expected, actual, 5);
    }

    [Fact]
    public void ToOriginal_CroppedSample_IsRefused()
    {
        var sample = Sample.Create("x", 4, 4) with { Geometry = ImageGeometry.Identity(4, 4).Then(1, -1, 1, 0) };
        using var canvas = zeros(1, 1, 4, 4);
        Assert.Throws<ArgumentException>(() => DepthResize.ToOriginal(canvas, sample));
    }
}
