using PerceptionEncoder.Heads.Detection.Layers;
using PerceptionEncoder.Heads.Detection.Pyramid;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Detection;

public sealed class PyramidTests
{
    [Theory]
    [InlineData(16, new[] { 4.0, 8, 16, 32, 64 })]
    [InlineData(14, new[] { 3.5, 7, 14, 28, 56 })]
    public void OutputShape_LevelsTwoToSix_HaveStridesRelativeToThePatch(int patch, double[] strides)
    {
        using var pyramid = new SimpleFeaturePyramid(32, patch, 16, [2, 3, 4, 5, 6]);
        Assert.Equal(["p2", "p3", "p4", "p5", "p6"], pyramid.OutputShape.Select(l => l.Name));
        Assert.Equal(strides, pyramid.OutputShape.Select(l => l.Stride));
        Assert.All(pyramid.OutputShape, l => Assert.Equal(16, l.Channels));
    }

    [Fact]
    public void Forward_PatchMap_GivesOneMapPerLevelAtItsScale()
    {
        using var pyramid = new SimpleFeaturePyramid(32, 16, 16, [2, 3, 4, 5, 6]);
        using var input = randn(2, 32, 8, 6);                                   // [B, C, h, w]
        var outputs = pyramid.forward(input);
        try
        {
            long[][] expected = [[2, 16, 32, 24], [2, 16, 16, 12], [2, 16, 8, 6], [2, 16, 4, 3], [2, 16, 2, 2]];
            Assert.Equal(expected, outputs.Select(o => o.shape));
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
        }
    }

    [Fact]
    public void LayerNorm2d_NormalisesEachLocationOverChannels()
    {
        using var norm = new LayerNorm2d(4);
        using var input = tensor(new float[] { 1, 10, 2, 20, 3, 30, 4, 40 }).view(1, 4, 1, 2);  // location 0: 1..4
        using var output = norm.forward(input);
        // Location 0 holds 1, 2, 3, 4: mean 2.5, variance 1.25.
        double sd = Math.Sqrt(1.25 + 1e-6);
        float[] column = output[0, .., 0, 0].data<float>().ToArray();
        BoxCoderTests.AssertClose([(float)(-1.5 / sd), (float)(-0.5 / sd), (float)(0.5 / sd), (float)(1.5 / sd)], column, 1e-5);
    }

    [Theory]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 6, 7 })]
    [InlineData(new[] { 1, 2 })]
    [InlineData(new int[0])]
    public void Constructor_BadLevels_IsRefused(int[] levels)
    {
        Assert.Throws<ArgumentException>(() => new SimpleFeaturePyramid(32, 16, 16, levels));
    }
}
