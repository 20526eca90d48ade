using PerceptionEncoder.Heads.Detection.Fcos;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Detection;

/// <summary>
/// The detector's pyramid and head in float32 against the same weights in float64 on a single image: libtorch's oneDNN
/// convolution is wrong for some shapes on this CPU (see PerceptionEncoder.Heads.ConvolutionGuard), and a batch of
/// one is where the DPT head met it.
/// </summary>
public sealed class FcosNumericsTests
{
    [Theory]
    [InlineData(192, 16, 64, 1)]   // PE-Spatial-T at 256, the demo's head
    [InlineData(192, 32, 128, 1)]  // PE-Spatial-T at 512, pe train det's default head
    [InlineData(384, 16, 128, 2)]
    public void Forward_Float32AgreesWithFloat64(int width, int grid, int channels, int batch)
    {
        var config = new FcosConfig
        {
            Layers = [-1],
            BackboneWidth = width,
            PatchSize = 16,
            NumClasses = 6,
            Channels = channels,
            Levels = [3, 4, 5],
            TowerConvs = 2,
        };
        manual_seed(5);
        using var model = new FcosModel(config);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = randn(batch, width, grid, grid);
        using var single = model.forward(input);
        model.to(ScalarType.Float64);
        using var exact = model.forward(input.to(ScalarType.Float64));
        foreach (var (name, a, b) in new[] { ("class", single.ClassLogits, exact.ClassLogits), ("box", single.BoxCodes, exact.BoxCodes), ("quality", single.QualityLogits, exact.QualityLogits) })
        {
            double difference = (a.to(ScalarType.Float64) - b).abs().max().item<double>();
            Assert.True(difference < 1e-4, $"{name}: float32 differs from float64 by {difference}");
        }
    }
}
