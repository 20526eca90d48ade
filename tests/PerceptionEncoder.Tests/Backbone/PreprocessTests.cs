using PerceptionEncoder.Backbone;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

public sealed class PreprocessTests
{
    private static RgbImage Gray(int width, int height, params byte[] values)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) pixels[3 * i] = pixels[3 * i + 1] = pixels[3 * i + 2] = values[i];
        return new RgbImage(width, height, pixels);
    }

    /// <summary>ToTensor then Normalize(0.5, 0.5) in float32, as the reference transforms compute it.</summary>
    private static float Normalised(float pixel) => (pixel / 255f - 0.5f) / 0.5f;

    [Fact]
    public void ToTensor_ConstantImage_MapsEveryPixelToPixelOver255Times2Minus1()
    {
        var image = new RgbImage(5, 3, [.. Enumerable.Repeat(new byte[] { 0, 128, 255 }, 15).SelectMany(p => p)]);
        using var x = PeImageTransform.ToTensor(image, size: 8, patchSize: 4);
        Assert.Equal([3, 8, 8], x.shape);
        Assert.Equal(ScalarType.Float32, x.dtype);
        Assert.Equal(-1f, x[0].min().item<float>());
        Assert.Equal(-1f, x[0].max().item<float>());
        Assert.Equal(Normalised(128), x[1].max().item<float>(), 6);
        Assert.Equal(1f, x[2].min().item<float>());
    }

    /// <summary>Hand-worked PIL bilinear (also what PIL 9.4 gives): 2 -> 4 pixels is [0, 64, 191, 255].</summary>
    [Fact]
    public void ToTensor_Upsampling_MatchesPilBilinear()
    {
        using var x = PeImageTransform.ToTensor(Gray(2, 1, 0, 255), size: 4, patchSize: 1);
        float[] row = x[0, 0].data<float>().ToArray();
        Assert.Equal(new[] { 0, 64, 191, 255 }.Select(v => Normalised(v)), row);
    }

    /// <summary>
    /// Hand-worked PIL bilinear downsampling (support widened to 2 px): [0, 100, 200, 255] -> weights (0.75, 0.75,
    /// 0.25)/1.75 -> [71.4, 209.3] -> [71, 209], as PIL 9.4 gives.
    /// </summary>
    [Fact]
    public void ToTensor_Downsampling_IsAntialiasedLikePil()
    {
        var image = Gray(4, 4, [.. Enumerable.Repeat(new byte[] { 0, 100, 200, 255 }, 4).SelectMany(r => r)]);
        using var x = PeImageTransform.ToTensor(image, size: 2, patchSize: 1);
        Assert.Equal(new[] { Normalised(71), Normalised(209) }, x[0, 0].data<float>().ToArray());
    }

    [Fact]
    public void ToTensor_Native_CropsBottomRightToThePatchMultiple()
    {
        var values = Enumerable.Range(0, 35 * 50).Select(i => (byte)(i % 251)).ToArray();
        var image = Gray(50, 35, values);
        using var x = PeImageTransform.ToTensor(image, size: null, patchSize: 16);
        Assert.Equal([3, 32, 48], x.shape);
        Assert.Equal(Normalised(values[31 * 50 + 47]), x[1, 31, 47].item<float>());
        Assert.Equal(Normalised(values[0]), x[2, 0, 0].item<float>());
    }

    [Fact]
    public void ToTensor_NativeSmallerThanAPatch_ClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => PeImageTransform.ToTensor(Gray(10, 20, new byte[200]), null, 14));
        Assert.Contains("10x20", e.Message);
    }

    [Fact]
    public void ToBatch_DifferentNativeSizes_ClearError()
    {
        Assert.Throws<ArgumentException>(() => PeImageTransform.ToBatch([Gray(16, 16, new byte[256]), Gray(32, 16, new byte[512])], null, 16));
        using var batch = PeImageTransform.ToBatch([Gray(16, 16, new byte[256]), Gray(32, 16, new byte[512])], 16, 16);
        Assert.Equal([2, 3, 16, 16], batch.shape);
    }
}
