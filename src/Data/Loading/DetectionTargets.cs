using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Loading;

/// <summary>
/// Detection targets of a batch, one entry per image, in the batch's pixel coordinates (the padded canvas, content
/// at the top-left). Owns its tensors.
/// </summary>
public sealed class DetectionTargets : IDisposable
{
    internal DetectionTargets(IReadOnlyList<Tensor> boxes, IReadOnlyList<Tensor> labels, IReadOnlyList<Tensor> categoryIds,
        IReadOnlyList<Tensor> isCrowd, IReadOnlyList<Tensor>? masks)
    {
        Boxes = boxes;
        Labels = labels;
        CategoryIds = categoryIds;
        IsCrowd = isCrowd;
        Masks = masks;
    }

    /// <summary>Per image: [N, 4] float32 boxes (x0, y0, x1, y1) in pixels; crowd regions included (see <see cref="IsCrowd"/>).</summary>
    public IReadOnlyList<Tensor> Boxes { get; }

    /// <summary>Per image: [N] int64 contiguous labels 0..K-1 (see <see cref="Samples.CategoryMap"/>).</summary>
    public IReadOnlyList<Tensor> Labels { get; }

    /// <summary>Per image: [N] int64 dataset category ids (COCO's real ids).</summary>
    public IReadOnlyList<Tensor> CategoryIds { get; }

    /// <summary>Per image: [N] bool, true for crowd regions (to be ignored, not learnt as objects).</summary>
    public IReadOnlyList<Tensor> IsCrowd { get; }

    /// <summary>Per image: [N, H, W] bool instance masks at the batch size; null unless masks were asked for.</summary>
    public IReadOnlyList<Tensor>? Masks { get; }

    public void Dispose()
    {
        foreach (var list in new[] { Boxes, Labels, CategoryIds, IsCrowd, Masks ?? [] })
            foreach (var t in list) t.Dispose();
    }
}
