using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Depth.Dpt;
using PerceptionEncoder.Heads.Depth.Readout;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Depth;

/// <summary>
/// The DPT head in float32 against the same weights in float64, on single images: libtorch's oneDNN convolution gave
/// wrong values or NaN here for a batch of one (up to 0.7 for PE-Spatial-T's width, 4e-4 for PE-Spatial-S's), see
/// <see cref="ConvolutionGuard"/>.
/// </summary>
public sealed class DptNumericsTests
{
    [Theory]
    [InlineData(192, 8)]   // PE-Spatial-T: width/8 = 24 channels before rounding
    [InlineData(192, 16)]
    [InlineData(384, 8)]   // PE-Spatial-S
    public void Predict_OneImage_Float32AgreesWithFloat64(int width, int grid)
    {
        var spec = new BackboneSpec("probe", "random:1", 16, width, 4, true, true);
        manual_seed(3);
        using var head = (DptDepthHead)new DptDepthConfig { Features = 64 }.Create(spec);
        Assert.All(head.Settings is DptDepthConfig c ? c.ReassembleChannels! : [], ch => Assert.Equal(0, ch % ConvolutionGuard.ChannelMultiple));
        head.eval();
        for (int repeat = 0; repeat < 3; repeat++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var maps = head.Layers.Select(_ => randn(1, width, grid, grid)).ToList();
            var tokens = head.Layers.Select(_ => randn(1, width)).ToList();
            using var single = new FeatureMaps(head.Layers, maps, tokens);
            var depth = head.Predict(single);
            head.to(ScalarType.Float64);
            using var exact = new FeatureMaps(head.Layers, [.. maps.Select(m => m.to(ScalarType.Float64))], [.. tokens.Select(t => t.to(ScalarType.Float64))]);
            var reference = head.Predict(exact);
            head.to(ScalarType.Float32);
            double difference = (depth.to(ScalarType.Float64) - reference).abs().max().item<double>();
            Assert.True(difference < 1e-5, $"repeat {repeat}: float32 differs from float64 by {difference}");
        }
    }
}

/// <summary>The linear probe (a 1x1 convolution over the patch tokens) in float32 against float64 on single images.</summary>
public sealed class LinearProbeNumericsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Predict_OneImage_Float32AgreesWithFloat64(bool bins)
    {
        const int width = 192, grid = 8;
        var spec = new BackboneSpec("probe", "random:1", 16, width, 4, true, true);
        manual_seed(4);
        var config = new PerceptionEncoder.Heads.Depth.Linear.LinearDepthConfig { Output = bins ? DepthOutput.Dinov2Bins : DepthOutput.Regression };
        using var head = config.Create(spec);
        head.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var maps = head.Layers.Select(_ => randn(1, width, grid, grid)).ToList();
        var tokens = head.Layers.Select(_ => randn(1, width)).ToList();
        using var single = new FeatureMaps(head.Layers, maps, tokens);
        var depth = head.Predict(single);
        head.to(ScalarType.Float64);
        using var exact = new FeatureMaps(head.Layers, [.. maps.Select(m => m.to(ScalarType.Float64))], [.. tokens.Select(t => t.to(ScalarType.Float64))]);
        var reference = head.Predict(exact);
        double difference = (depth.to(ScalarType.Float64) - reference).abs().max().item<double>();
        Assert.True(difference < 1e-5, $"float32 differs from float64 by {difference}");
    }
}
