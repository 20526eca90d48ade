using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Fcos;

/// <summary>The loss terms of FCOS, each a sum over its elements (callers normalise).</summary>
public static class FcosLosses
{
    /// <summary>
    /// Sigmoid focal loss (Lin et al.): sum of <c>-alpha_t (1 - p_t)^gamma log(p_t)</c> with p = sigmoid(logit),
    /// p_t = p for a target of 1 and 1 - p for 0, alpha_t = alpha for 1 and 1 - alpha for 0.
    /// </summary>
    /// <param name="logits">[...] any shape.</param>
    /// <param name="targets">Same shape, 0 or 1 (or soft targets in [0, 1]).</param>
    /// <returns>0-dim sum.</returns>
    public static Tensor SigmoidFocal(Tensor logits, Tensor targets, double alpha = 0.25, double gamma = 2.0)
    {
        using var scope = NewDisposeScope();
        var p = logits.sigmoid();
        var crossEntropy = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        var pT = p * targets + (1 - p) * (1 - targets);
        var miss = 1 - pT;
        // pow with a scalar exponent is an element-by-element slow path in this libtorch build; FCOS's gamma is 2.
        var loss = crossEntropy * (gamma == 2.0 ? miss * miss : miss.pow(gamma));
        if (alpha >= 0)
            loss = loss * (alpha * targets + (1 - alpha) * (1 - targets));
        return loss.sum().MoveToOuterDisposeScope();
    }

    /// <summary>Sum of <c>weight * (1 - GIoU)</c> over paired boxes.</summary>
    /// <param name="predicted">[P, 4] (x1, y1, x2, y2).</param>
    /// <param name="target">[P, 4].</param>
    /// <param name="weights">[P], or null for 1.</param>
    public static Tensor GIoU(Tensor predicted, Tensor target, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        var (_, giou) = BoxOps.PairedIoU(predicted, target);
        var loss = 1 - giou;
        if (weights is not null) loss = loss * weights;
        return loss.sum().MoveToOuterDisposeScope();
    }

    /// <summary>FCOS centreness of side distances <c>[P, 4]</c> (l, t, r, b) -&gt; <c>[P]</c>:
    /// sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b)), 1 at the box centre, towards 0 at its edges.</summary>
    public static Tensor Centreness(Tensor distances)
    {
        using var scope = NewDisposeScope();
        var leftRight = distances[.., TensorIndex.Tensor(tensor(new long[] { 0, 2 }))];   // [P, 2]
        var topBottom = distances[.., TensorIndex.Tensor(tensor(new long[] { 1, 3 }))];   // [P, 2]
        var ratio = leftRight.amin([1]) / leftRight.amax([1]) * (topBottom.amin([1]) / topBottom.amax([1]));
        return ratio.clamp(min: 0).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>Sum of binary cross-entropy between quality logits <c>[P]</c> and soft targets <c>[P]</c> in [0, 1].</summary>
    public static Tensor QualityBce(Tensor logits, Tensor targets) =>
        nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.Sum);
}
