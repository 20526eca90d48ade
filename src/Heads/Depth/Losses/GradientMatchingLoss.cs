using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Losses;

/// <summary>
/// Multi-scale gradient matching on the log-depth residual <c>g = ln pred − ln gt</c> (the MegaDepth / MiDaS term):
/// at scale s the residual and mask are subsampled with stride 2^s, and the term adds
/// <c>(Σ|∂x g| + Σ|∂y g|) / (valid pixels at that scale)</c>, a difference counting only where both pixels are
/// valid. It is zero when the prediction equals the ground truth up to a global scale factor, and penalises
/// blurred or displaced edges.
/// </summary>
public static class GradientMatchingLoss
{
    /// <param name="prediction">[B, 1, H, W] predicted depth, &gt; 0.</param>
    /// <param name="target">[B, 1, H, W] ground-truth depth.</param>
    /// <param name="mask">[B, 1, H, W] bool valid pixels.</param>
    /// <param name="scales">Number of scales (1 = full resolution only).</param>
    /// <returns>A 0-dim tensor, the sum over scales (0 where a scale has no valid pixel).</returns>
    public static Tensor Compute(Tensor prediction, Tensor target, Tensor mask, int scales = 4)
    {
        using var scope = NewDisposeScope();
        var residual = ScaleInvariantLogLoss.LogResidual(prediction, target, mask);
        var weight = mask.to_type(ScalarType.Float32);
        var total = prediction.sum() * 0;
        for (int s = 0; s < scales; s++)
        {
            long step = 1L << s;
            var stride = TensorIndex.Slice(null, null, step);
            var r = residual[TensorIndex.Ellipsis, stride, stride];
            var m = weight[TensorIndex.Ellipsis, stride, stride];
            if (r.shape[2] < 2 && r.shape[3] < 2) break;
            var count = m.sum();
            if (count.item<float>() == 0) continue;
            var head = TensorIndex.Slice(null, -1);
            var tail = TensorIndex.Slice(1, null);
            var dx = (r[TensorIndex.Ellipsis, tail] - r[TensorIndex.Ellipsis, head]).abs() * m[TensorIndex.Ellipsis, tail] * m[TensorIndex.Ellipsis, head];
            var dy = (r[TensorIndex.Ellipsis, tail, TensorIndex.Colon] - r[TensorIndex.Ellipsis, head, TensorIndex.Colon]).abs()
                     * m[TensorIndex.Ellipsis, tail, TensorIndex.Colon] * m[TensorIndex.Ellipsis, head, TensorIndex.Colon];
            total = total + (dx.sum() + dy.sum()) / count;
        }
        return total.MoveToOuterDisposeScope();
    }
}
