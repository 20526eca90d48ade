using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Layers;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Heads;

/// <summary>
/// The layers the heads share, against libtorch's own layers in float64 (right where some float32 convolutions are
/// not on this CPU build; see <see cref="ConvolutionGuard"/>), values and gradients, batches of one included.
/// </summary>
public sealed class SharedLayersTests
{
    [Theory]
    [InlineData(96, 48, 8, 2, 2)]
    [InlineData(40, 20, 5, 3, 2)]
    [InlineData(8, 4, 4, 1, 2)]
    [InlineData(48, 48, 8, 1, 4)]   // DPT's x4 layer for PE-Spatial-S on one image: libtorch's ConvTranspose2d was off by 0.29
    [InlineData(32, 32, 5, 2, 4)]
    [InlineData(16, 8, 3, 1, 1)]
    public void UpsamplingTransposedConv_ValuesAndGradients_MatchConvTranspose2dInFloat64(int inputs, int outputs, int size, int batch, int factor)
    {
        manual_seed(inputs);
        using var layer = new UpsamplingTransposedConv(inputs, outputs, factor);
        using var x = randn(batch, inputs, size, size).requires_grad_(true);
        using var y = layer.forward(x);
        using var g = randn_like(y);
        using (var loss = (y * g).sum()) loss.backward();

        using var x64 = x.detach().to_type(ScalarType.Float64).requires_grad_(true);
        using var y64 = nn.functional.conv_transpose2d(x64, layer.Weight.detach().to_type(ScalarType.Float64),
            layer.Bias.detach().to_type(ScalarType.Float64), strides: [factor, factor]);
        using (var loss = (y64 * g.to_type(ScalarType.Float64)).sum()) loss.backward();

        Assert.Equal([batch, outputs, size * factor, size * factor], y.shape);
        Assert.Equal(y64.shape, y.shape);
        AssertClose(y64, y);
        AssertClose(x64.grad!, x.grad!);
    }

    [Theory]
    [InlineData(128, 5, 3, 8, 2)]
    [InlineData(32, 1, 3, 4, 4)]
    [InlineData(32, 20, 1, 6, 3)]
    public void PaddedConv2d_ValuesAndGradients_MatchConv2dInFloat64(int inputs, int outputs, int kernel, int size, int batch)
    {
        manual_seed(outputs);
        using var layer = new PaddedConv2d(inputs, outputs, kernel);
        using var x = randn(batch, inputs, size, size).requires_grad_(true);
        using var y = layer.forward(x);
        using var g = randn_like(y);
        using (var loss = (y * g).sum()) loss.backward();

        using var x64 = x.detach().to_type(ScalarType.Float64).requires_grad_(true);
        using var w64 = layer.Weight.detach().to_type(ScalarType.Float64).requires_grad_(true);
        using var y64 = nn.functional.conv2d(x64, w64, layer.Bias.detach().to_type(ScalarType.Float64), padding: [kernel / 2, kernel / 2]);
        using (var loss = (y64 * g.to_type(ScalarType.Float64)).sum()) loss.backward();

        AssertClose(y64, y);
        AssertClose(x64.grad!, x.grad!);
        AssertClose(w64.grad!, layer.Weight.grad!);
    }

    private static void AssertClose(Tensor expected64, Tensor actual)
    {
        double scale = expected64.abs().max().item<double>() + 1e-6;
        double error = (actual.to_type(ScalarType.Float64) - expected64).abs().max().item<double>();
        Assert.True(error <= 1e-4 * scale, $"max error {error:E2} at scale {scale:E2}");
    }
}
