using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Losses;

/// <summary>The training loss of the depth heads: valid-pixel masking, resizing, the terms of <see cref="DepthLossOptions"/>.</summary>
public static class DepthLoss
{
    public const string ScaleInvariantPart = "silog";
    public const string GradientPart = "gradient";

    /// <summary>
    /// The loss of a batch. A prediction of another size than the targets is first resized to them (bilinear, as
    /// DINOv2's depth heads do); pixels count when the target marks them valid and their depth lies strictly inside
    /// <paramref name="range"/>; predictions are bounded below by <see cref="DepthRange.Min"/> (not above, so a pixel
    /// predicted too far still has a gradient).
    /// </summary>
    /// <param name="prediction">[B, 1, h, w] predicted depth in metres.</param>
    /// <param name="targets">Depth and validity [B, 1, H, W].</param>
    public static HeadLoss Compute(Tensor prediction, DepthGroundTruth targets, DepthRange range, DepthLossOptions options)
    {
        if (prediction.dim() != 4 || prediction.shape[1] != 1 || prediction.shape[0] != targets.Count)
            throw new ArgumentException(
                $"depth prediction [{string.Join(", ", prediction.shape)}] does not fit targets [{string.Join(", ", targets.Depth.shape)}]: expected [B, 1, h, w] with the same B.");
        using var scope = NewDisposeScope();
        var target = targets.Depth.to(prediction.device);
        var mask = targets.Valid.to(prediction.device).logical_and(target > range.Min).logical_and(target < range.Max);
        var resized = ResizeTo(prediction, target.shape[2], target.shape[3]).clamp_min(range.Min);
        var silog = ScaleInvariantLogLoss.Compute(resized, target, mask, options.VarianceFocus, options.Scale);
        var parts = new Dictionary<string, Tensor> { [ScaleInvariantPart] = silog.detach().MoveToOuterDisposeScope() };
        var total = silog;
        if (options.GradientWeight > 0)
        {
            var gradient = GradientMatchingLoss.Compute(resized, target, mask, options.GradientScales);
            parts[GradientPart] = gradient.detach().MoveToOuterDisposeScope();
            total = total + options.GradientWeight * gradient;
        }
        return new HeadLoss(total.MoveToOuterDisposeScope(), parts);
    }

    /// <summary>Bilinear resize of [B, 1, h, w] to [B, 1, H, W] (align_corners=false); the input itself when already that size.</summary>
    internal static Tensor ResizeTo(Tensor prediction, long height, long width) =>
        prediction.shape[2] == height && prediction.shape[3] == width
            ? prediction.alias()
            : nn.functional.interpolate(prediction, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
}
