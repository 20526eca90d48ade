using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection;

/// <summary>
/// The FCOS box parametrisation: a location (x, y) on a level of stride s predicts its distances to the four sides
/// of its box, (l, t, r, b), coded as log(distance / s). Decoding exponentiates, so distances are always positive.
/// </summary>
public static class BoxCoder
{
    /// <summary>Codes are clamped to this before decoding, so a distance never exceeds e^8 ≈ 2981 strides.</summary>
    public const double MaxCode = 8.0;

    /// <summary>Distances (l, t, r, b) from points <c>[N, 2]</c> to boxes <c>[N, 4]</c> -&gt; <c>[N, 4]</c>; negative outside the box.</summary>
    public static Tensor Distances(Tensor points, Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var leftTop = points - boxes[.., ..2];                      // [N, 2]: x - x1, y - y1
        var rightBottom = boxes[.., 2..] - points;                  // [N, 2]: x2 - x, y2 - y
        return cat([leftTop, rightBottom], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Codes <c>[N, 4]</c> of boxes <c>[N, 4]</c> seen from points <c>[N, 2]</c> on levels of stride <c>[N]</c>.</summary>
    /// <remarks>Each point must lie strictly inside its box (every distance &gt; 0), as FCOS positives do.</remarks>
    public static Tensor Encode(Tensor points, Tensor boxes, Tensor strides)
    {
        using var scope = NewDisposeScope();
        var distances = Distances(points, boxes);
        return (distances / strides.unsqueeze(1)).log().MoveToOuterDisposeScope();
    }

    /// <summary>Boxes <c>[..., N, 4]</c> from codes <c>[..., N, 4]</c> predicted at points <c>[N, 2]</c> with strides <c>[N]</c>.</summary>
    public static Tensor Decode(Tensor points, Tensor codes, Tensor strides)
    {
        using var scope = NewDisposeScope();
        var distances = codes.clamp(max: MaxCode).exp() * strides.unsqueeze(1);   // [..., N, 4]
        var topLeft = points - distances[TensorIndex.Ellipsis, ..2];
        var bottomRight = points + distances[TensorIndex.Ellipsis, 2..];
        return cat([topLeft, bottomRight], -1).MoveToOuterDisposeScope();
    }
}
