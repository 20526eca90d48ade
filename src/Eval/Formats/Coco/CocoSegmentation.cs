using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>
/// The <c>segmentation</c> of a COCO annotation or result, in one of its three JSON forms:
/// <see cref="PolygonSegmentation"/> (a list of polygons), or <see cref="RleSegmentation"/> (an RLE, compressed
/// string or uncompressed count list).
/// </summary>
public abstract record CocoSegmentation
{
    /// <summary>
    /// The mask as pycocotools <c>COCO.annToRLE</c> computes it, for an image of <paramref name="imageHeight"/> x
    /// <paramref name="imageWidth"/> (used by polygons; an RLE carries its own size).
    /// </summary>
    /// <exception cref="ArgumentException">A malformed polygon list (see <see cref="PolygonSegmentation"/>).</exception>
    public abstract Rle ToRle(int imageHeight, int imageWidth);
}
