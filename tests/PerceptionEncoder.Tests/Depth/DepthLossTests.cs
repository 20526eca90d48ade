using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Losses;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Depth;

public sealed class DepthLossTests
{
    private static readonly double Ln2 = Math.Log(2);

    [Fact]
    public void ScaleInvariantLog_AllValid_MatchesHandComputedValue()
    {
        // g = ln(pred/gt) = [0, a, a, 2a] with a = ln 2: mean a, mean square 1.5 a², D = 1.5a² − 0.85a² = 0.65a².
        using var pred = DepthTestData.Map([1, 2, 4, 8], 2, 2);
        using var gt = DepthTestData.Map([1, 1, 2, 2], 2, 2);
        using var mask = ones(1, 1, 2, 2, ScalarType.Bool);
        using var loss = ScaleInvariantLogLoss.Compute(pred, gt, mask);
        Assert.Equal(10 * Math.Sqrt(0.65 * Ln2 * Ln2), loss.item<float>(), 4);
    }

    [Fact]
    public void ScaleInvariantLog_MaskedPixel_IsLeftOut()
    {
        // Without the last pixel: g = [0, a, a], mean 2a/3, mean square 2a²/3: D = (2/3 − 0.85·4/9) a².
        using var pred = DepthTestData.Map([1, 2, 4, 8], 2, 2);
        using var gt = DepthTestData.Map([1, 1, 2, 0], 2, 2);
        using var mask = gt > 0;
        using var loss = ScaleInvariantLogLoss.Compute(pred, gt, mask);
        Assert.Equal(10 * Math.Sqrt((2.0 / 3 - 0.85 * 4 / 9) * Ln2 * Ln2), loss.item<float>(), 4);
    }

    [Fact]
    public void ScaleInvariantLog_VarianceFocusOne_IgnoresGlobalScale()
    {
        using var gt = DepthTestData.Map([1, 3, 2, 5], 2, 2);
        using var pred = gt * 2.5f;
        using var mask = gt > 0;
        using var loss = ScaleInvariantLogLoss.Compute(pred, gt, mask, varianceFocus: 1, scale: 1);
        Assert.True(loss.item<float>() < 1e-3, $"loss {loss.item<float>()}");
    }

    [Fact]
    public void GradientMatching_Row_MatchesHandComputedSumOverScales()
    {
        // g = [0, a, 2a, 3a]: scale 1: Σ|Δg| / 4 = 3a/4; scale 2 (stride 2: [0, 2a]): 2a/2 = a; scale 3: one pixel, no term.
        using var pred = DepthTestData.Map([1, 2, 4, 8], 1, 4);
        using var gt = DepthTestData.Map([1, 1, 1, 1], 1, 4);
        using var mask = gt > 0;
        using var loss = GradientMatchingLoss.Compute(pred, gt, mask, scales: 4);
        Assert.Equal(1.75 * Ln2, loss.item<float>(), 5);
    }

    [Fact]
    public void GradientMatching_DifferenceAcrossAnInvalidPixel_DoesNotCount()
    {
        // g = [0, ·, 2a]: the middle pixel is invalid, so neither difference counts; 2 valid pixels, sum 0.
        using var pred = DepthTestData.Map([1, 2, 4], 1, 3);
        using var gt = DepthTestData.Map([1, 0, 1], 1, 3);
        using var mask = gt > 0;
        using var loss = GradientMatchingLoss.Compute(pred, gt, mask, scales: 1);
        Assert.Equal(0, loss.item<float>());
    }

    [Fact]
    public void GradientMatching_PredictionIsScaledTruth_IsZero()
    {
        using var gt = DepthTestData.Map([1, 3, 2, 5, 4, 2, 7, 1, 2], 3, 3);
        using var pred = gt * 3f;
        using var mask = gt > 0;
        using var loss = GradientMatchingLoss.Compute(pred, gt, mask);
        Assert.Equal(0, loss.item<float>(), 5);
    }

    [Fact]
    public void Compute_NoValidPixel_GivesZeroLossAndZeroGradient()
    {
        using var logits = full(1, 1, 4, 4, 2f, requires_grad: true);
        using var targets = DepthTestData.Targets(new float[16], 4, 4);
        var loss = DepthLoss.Compute(logits * 1, targets, DepthRange.Nyu, new DepthLossOptions { GradientWeight = 0.5 });
        Assert.Equal(0, loss.Total.item<float>());
        loss.Total.backward();
        Assert.NotNull(logits.grad);
        Assert.Equal(0, logits.grad!.abs().sum().item<float>());
    }

    [Fact]
    public void Compute_TargetsOutsideTheRange_AreNotValid()
    {
        // Only the first two pixels lie strictly inside (1e-3, 10): g = [0, ln 2].
        using var pred = DepthTestData.Map([1, 2, 4, 8], 2, 2);
        using var targets = DepthTestData.Targets([1, 1, 10, 12], 2, 2);
        var loss = DepthLoss.Compute(pred, targets, DepthRange.Nyu, new DepthLossOptions());
        double mean = Ln2 / 2, meanSquare = Ln2 * Ln2 / 2;
        Assert.Equal(10 * Math.Sqrt(meanSquare - 0.85 * mean * mean), loss.Total.item<float>(), 4);
        Assert.Equal(loss.Total.item<float>(), loss.Parts[DepthLoss.ScaleInvariantPart].item<float>());
    }

    [Fact]
    public void Compute_PredictionSmallerThanTargets_IsResizedToThem()
    {
        // A constant 2 m prediction at 2x2 against 4x4 targets of 1 m: g = ln 2 everywhere, D = 0.15 (ln 2)².
        using var pred = full(1, 1, 2, 2, 2f);
        using var targets = DepthTestData.Targets(Enumerable.Repeat(1f, 16).ToArray(), 4, 4);
        var loss = DepthLoss.Compute(pred, targets, DepthRange.Nyu, new DepthLossOptions());
        Assert.Equal(10 * Math.Sqrt(0.15) * Ln2, loss.Total.item<float>(), 4);
    }

    [Fact]
    public void Compute_PredictionOfAnotherBatchSize_IsRejected()
    {
        using var pred = ones(2, 1, 4, 4);
        using var targets = DepthTestData.Targets(Enumerable.Repeat(1f, 16).ToArray(), 4, 4);
        var e = Assert.Throws<ArgumentException>(() => DepthLoss.Compute(pred, targets, DepthRange.Nyu, new DepthLossOptions()));
        Assert.Contains("same B", e.Message);
    }

    [Fact]
    public void Compute_WithGradientWeight_AddsTheWeightedTerm()
    {
        using var pred = DepthTestData.Map([1, 2, 4, 8], 1, 4);
        using var targets = DepthTestData.Targets([1, 1, 1, 1], 1, 4);
        var options = new DepthLossOptions { GradientWeight = 0.5, GradientScales = 4 };
        var loss = DepthLoss.Compute(pred, targets, DepthRange.Nyu, options);
        float silog = loss.Parts[DepthLoss.ScaleInvariantPart].item<float>();
        Assert.Equal(1.75 * Ln2, loss.Parts[DepthLoss.GradientPart].item<float>(), 5);
        Assert.Equal(silog + 0.5 * 1.75 * Ln2, loss.Total.item<float>(), 4);
    }
}
