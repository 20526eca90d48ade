using PerceptionEncoder.Heads.Detection.Fcos;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Detection;

public sealed class LossTests
{
    private static readonly double Ln2 = Math.Log(2);

    [Fact]
    public void SigmoidFocal_HandWorkedLogits_MatchTheFormula()
    {
        // logit 0, target 1: p_t = 0.5, CE = ln 2, (1 - p_t)^2 = 0.25, alpha_t = 0.25  -> 0.0625 ln 2
        // logit 0, target 0: alpha_t = 0.75                                          -> 0.1875 ln 2
        // logit ln 3 (p = 0.75), target 1: CE = -ln 0.75, (0.25)^2, alpha_t = 0.25    -> 0.015625 (-ln 0.75)
        using var logits = tensor(new float[] { 0, 0, (float)Math.Log(3) });
        using var targets = tensor(new float[] { 1, 0, 1 });
        using var loss = FcosLosses.SigmoidFocal(logits, targets, alpha: 0.25, gamma: 2);
        double expected = 0.0625 * Ln2 + 0.1875 * Ln2 + 0.015625 * -Math.Log(0.75);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void SigmoidFocal_GammaZeroNoAlpha_IsBinaryCrossEntropy()
    {
        using var logits = tensor(new float[] { -2, 0.5f, 3 });
        using var targets = tensor(new float[] { 0, 1, 0 });
        using var loss = FcosLosses.SigmoidFocal(logits, targets, alpha: -1, gamma: 0);
        double expected = Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.Exp(-0.5)) + Math.Log(1 + Math.Exp(3));
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void GIoU_HandWorkedPairs_MatchTheFormula()
    {
        // Identical: loss 0. Overlapping (0,0,2,2) / (1,1,3,3): IoU 1/7, hull 9, union 7: GIoU = 1/7 - 2/9.
        // Disjoint (0,0,1,1) / (2,0,3,1): IoU 0, hull 3, union 2: GIoU = -1/3.
        using var predicted = tensor(new float[] { 0, 0, 4, 4, 0, 0, 2, 2, 0, 0, 1, 1 }).view(3, 4);
        using var target = tensor(new float[] { 0, 0, 4, 4, 1, 1, 3, 3, 2, 0, 3, 1 }).view(3, 4);
        using var weights = tensor(new float[] { 1, 2, 0.5f });
        using var loss = FcosLosses.GIoU(predicted, target, weights);
        double expected = 0 + 2 * (1 - (1.0 / 7 - 2.0 / 9)) + 0.5 * (1 + 1.0 / 3);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Centreness_HandWorkedDistances_MatchTheFormula()
    {
        // (l, t, r, b) = (2, 4, 8, 4): sqrt(2/8 * 4/4) = 0.5; at the centre (3, 3, 3, 3): 1; (1, 1, 9, 4): sqrt(1/9 * 1/4) = 1/6.
        using var distances = tensor(new float[] { 2, 4, 8, 4, 3, 3, 3, 3, 1, 1, 9, 4 }).view(3, 4);
        using var centreness = FcosLosses.Centreness(distances);
        BoxCoderTests.AssertClose([0.5f, 1f, 1f / 6], centreness.data<float>().ToArray(), 1e-6);
    }

    [Fact]
    public void QualityBce_HandWorkedValues_MatchTheFormula()
    {
        // logit 0 with target 0.5: ln 2; logit ln 3 (p = 0.75) with target 1: -ln 0.75.
        using var logits = tensor(new float[] { 0, (float)Math.Log(3) });
        using var targets = tensor(new float[] { 0.5f, 1 });
        using var loss = FcosLosses.QualityBce(logits, targets);
        Assert.Equal(Ln2 - Math.Log(0.75), loss.item<float>(), 5);
    }
}
