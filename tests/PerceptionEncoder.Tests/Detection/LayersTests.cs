using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Detection.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Detection;

/// <summary>
/// The head's layers against float64 references (libtorch's float64 convolutions are right where some float32 ones
/// are not on this CPU build; see <see cref="ConvolutionGuard"/>).
/// </summary>
public sealed class LayersTests
{
    [Fact]
    public void FcosModel_Float32Gradients_MatchFloat64()
    {
        var config = new FcosConfig
        {
            Layers = [0],
            BackboneWidth = 40,
            PatchSize = 16,
            NumClasses = 3,
            Channels = 32,
            Levels = [2, 3, 4, 5, 6],
            TowerConvs = 2,
        };
        manual_seed(5);
        using var model = new FcosModel(config);
        using var model64 = new FcosModel(config);
        model64.load_state_dict(model.state_dict());
        model64.to(ScalarType.Float64);
        using var x = randn(2, 40, 6, 5);

        var gradients = new List<Tensor[]>();
        foreach (var (m, dtype) in new[] { (model, ScalarType.Float32), (model64, ScalarType.Float64) })
        {
            using var scope = NewDisposeScope();
            using var raw = m.forward(x.to_type(dtype));
            var loss = raw.ClassLogits.sin().sum() + raw.BoxCodes.cos().sum() + raw.QualityLogits.square().sum();
            loss.backward();
            gradients.Add(m.parameters().Select(p => p.grad!.to_type(ScalarType.Float64).detach().MoveToOuterDisposeScope()).ToArray());
        }
        var names = model.named_parameters().Select(p => p.name).ToArray();
        // Gradients that are 0 in exact arithmetic (a convolution bias before a norm) carry rounding noise.
        double floor = 1e-4 * gradients[1].Max(g => g.abs().max().item<double>());
        for (int i = 0; i < names.Length; i++)
        {
            double scale = gradients[1][i].abs().max().item<double>();
            double error = (gradients[0][i] - gradients[1][i]).abs().max().item<double>();
            Assert.True(error <= 1e-3 * scale + floor, $"{names[i]}: float32 gradient differs from float64 by {error:E2} (scale {scale:E2})");
        }
        foreach (var list in gradients)
            foreach (var t in list) t.Dispose();
    }

    [Fact]
    public void GroupNorm2d_NormalisesEachGroupOverItsChannelsAndLocations()
    {
        using var norm = new GroupNorm2d(2, 4);
        // Group 0 = channels 0, 1 holding 1, 2 / 3, 4 (mean 2.5, variance 1.25); group 1 = channels 2, 3 holding
        // 5, 7 / 9, 11 (mean 8, variance 5). (A constant group is not used: its output is float32 rounding of the mean
        // amplified by 1 / sqrt(eps).)
        using var input = tensor(new float[] { 1, 2, 3, 4, 5, 7, 9, 11 }).view(1, 4, 1, 2);
        using var output = norm.forward(input);
        double sd0 = Math.Sqrt(1.25 + 1e-5), sd1 = Math.Sqrt(5 + 1e-5);
        BoxCoderTests.AssertClose(
            [(float)(-1.5 / sd0), (float)(-0.5 / sd0), (float)(0.5 / sd0), (float)(1.5 / sd0),
             (float)(-3 / sd1), (float)(-1 / sd1), (float)(1 / sd1), (float)(3 / sd1)],
            output.data<float>().ToArray(), 1e-5);
    }

    private static void AssertClose(Tensor expected64, Tensor actual)
    {
        double scale = expected64.abs().max().item<double>() + 1e-6;
        double error = (actual.to_type(ScalarType.Float64) - expected64).abs().max().item<double>();
        Assert.True(error <= 1e-4 * scale, $"max error {error:E2} at scale {scale:E2}");
    }
}
