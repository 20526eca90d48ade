using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Losses;

/// <summary>
/// Scale-invariant log loss (Eigen et al. 2014, in BTS's form): <c>scale · sqrt(mean(g²) − λ·mean(g)²)</c> with
/// <c>g = ln pred − ln gt</c>, the means taken over the valid pixels of the whole batch (pooled, as BTS does).
/// </summary>
public static class ScaleInvariantLogLoss
{
    /// <summary>Added under the square root so its gradient stays finite when the residual is constant.</summary>
    public const double Epsilon = 1e-8;

    /// <param name="prediction">[B, 1, H, W] predicted depth in metres, &gt; 0.</param>
    /// <param name="target">[B, 1, H, W] ground-truth depth in metres (anything where <paramref name="mask"/> is false).</param>
    /// <param name="mask">[B, 1, H, W] bool: the pixels that count.</param>
    /// <param name="varianceFocus">λ (0.85 in BTS and AdaBins).</param>
    /// <param name="scale">Multiplier (10 in BTS and AdaBins).</param>
    /// <returns>A 0-dim tensor; 0 (still attached to <paramref name="prediction"/>) when no pixel is valid.</returns>
    public static Tensor Compute(Tensor prediction, Tensor target, Tensor mask, double varianceFocus = 0.85, double scale = 10)
    {
        using var scope = NewDisposeScope();
        var residual = LogResidual(prediction, target, mask);
        var count = mask.sum().to_type(ScalarType.Float32);
        if (count.item<float>() == 0)
            return (prediction.sum() * 0).MoveToOuterDisposeScope();
        var mean = residual.sum() / count;
        var meanSquare = residual.square().sum() / count;
        var variance = (meanSquare - varianceFocus * mean.square()).clamp_min(0);
        return (scale * (variance + Epsilon).sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary><c>ln pred − ln gt</c> where <paramref name="mask"/> is true, 0 elsewhere (no NaN from invalid pixels).</summary>
    internal static Tensor LogResidual(Tensor prediction, Tensor target, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var one = ones_like(target);
        var safeTarget = where(mask, target, one);
        var safePrediction = where(mask, prediction, one);
        return where(mask, safePrediction.log() - safeTarget.log(), zeros_like(prediction)).MoveToOuterDisposeScope();
    }
}
