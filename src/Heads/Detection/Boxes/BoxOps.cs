using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection;

/// <summary>Box geometry on tensors of boxes <c>[..., 4]</c> as (x1, y1, x2, y2).</summary>
public static class BoxOps
{
    /// <summary>Areas of boxes <c>[..., 4]</c> -&gt; <c>[...]</c> (0 for empty or inverted boxes).</summary>
    public static Tensor Area(Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var width = (boxes[TensorIndex.Ellipsis, 2] - boxes[TensorIndex.Ellipsis, 0]).clamp(min: 0);
        var height = (boxes[TensorIndex.Ellipsis, 3] - boxes[TensorIndex.Ellipsis, 1]).clamp(min: 0);
        return (width * height).MoveToOuterDisposeScope();
    }

    /// <summary>IoU and GIoU of paired boxes <c>[P, 4]</c> and <c>[P, 4]</c> -&gt; two <c>[P]</c> tensors.</summary>
    /// <remarks>GIoU = IoU - (C - U) / C with C the area of the smallest box enclosing both and U the union.</remarks>
    public static (Tensor IoU, Tensor GIoU) PairedIoU(Tensor a, Tensor b, double eps = 1e-7)
    {
        using var scope = NewDisposeScope();
        var areaA = Area(a);
        var areaB = Area(b);
        var topLeft = maximum(a[.., ..2], b[.., ..2]);                 // [P, 2]
        var bottomRight = minimum(a[.., 2..], b[.., 2..]);             // [P, 2]
        var overlap = (bottomRight - topLeft).clamp(min: 0);           // [P, 2]
        var intersection = overlap[.., 0] * overlap[.., 1];
        var union = areaA + areaB - intersection;
        var iou = intersection / (union + eps);
        var enclosingTopLeft = minimum(a[.., ..2], b[.., ..2]);
        var enclosingBottomRight = maximum(a[.., 2..], b[.., 2..]);
        var enclosing = (enclosingBottomRight - enclosingTopLeft).clamp(min: 0);
        var enclosingArea = enclosing[.., 0] * enclosing[.., 1];
        var giou = iou - (enclosingArea - union) / (enclosingArea + eps);
        return (iou.MoveToOuterDisposeScope(), giou.MoveToOuterDisposeScope());
    }
}
