using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Data.Synthetic;

/// <summary>
/// An object of a synthetic image with its COCO annotation: the polygon it was drawn from (null for a crowd region,
/// which is a union of many small shapes), its mask as rasterised by the COCO mask API (exactly the pixels painted),
/// the tight box and area of that mask, and the depth it stands at.
/// </summary>
public sealed record SyntheticObject(SyntheticCategory Category, double[]? Polygon, Rle Mask, BoxXywh Box, bool IsCrowd, double Depth)
{
    public long Area => Mask.Area;
}
