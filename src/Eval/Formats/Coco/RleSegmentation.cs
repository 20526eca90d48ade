using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>
/// An RLE segmentation: <c>{"size": [h, w], "counts": "..."}</c> when <paramref name="Compressed"/> (the string
/// form, used by results and most crowd annotations) or <c>{"size": [h, w], "counts": [...]}</c> otherwise. The
/// form only matters when writing; the mask is the same.
/// </summary>
public sealed record RleSegmentation(Rle Mask, bool Compressed = true) : CocoSegmentation
{
    /// <summary>The mask itself; an RLE carries its own size (pycocotools ignores the image size here too).</summary>
    public override Rle ToRle(int imageHeight, int imageWidth) => Mask;
}
