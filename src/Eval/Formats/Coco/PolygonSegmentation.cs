using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>
/// A COCO polygon list <c>[[x0, y0, x1, y1, ...], ...]</c>: the parts of one object, in pixel coordinates.
/// <para>
/// pycocotools quirk, kept: when the <b>first</b> list has exactly 4 numbers, every list is read as a box
/// <c>[x, y, w, h]</c> (its <c>frPyObjects</c> takes such input for boxes).
/// </para>
/// </summary>
public sealed record PolygonSegmentation(IReadOnlyList<double[]> Polygons) : CocoSegmentation
{
    /// <summary>The union of the rasterised parts (<see cref="Rle.FromPolygon"/>, or <see cref="Rle.FromBbox"/> in the 4-number case).</summary>
    /// <exception cref="ArgumentException">A first part with fewer than 4 numbers, or 4-number boxes mixed with polygons.</exception>
    public override Rle ToRle(int imageHeight, int imageWidth)
    {
        if (Polygons.Count == 0) return Rle.Empty(imageHeight, imageWidth);
        int first = Polygons[0].Length;
        if (first < 4)
            throw new ArgumentException($"polygon with {first} numbers; a polygon needs at least 3 points (6 numbers).");
        var parts = new Rle[Polygons.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            double[] p = Polygons[i];
            if (first == 4)
            {
                if (p.Length != 4)
                    throw new ArgumentException($"the first part has 4 numbers (read as a box [x, y, w, h]) but part {i} has {p.Length}.");
                parts[i] = Rle.FromBbox(new BoxXywh(p[0], p[1], p[2], p[3]), imageHeight, imageWidth);
            }
            else parts[i] = Rle.FromPolygon(p, imageHeight, imageWidth);
        }
        return Rle.Merge(parts);
    }

    /// <summary>The 4-corner polygon COCO <c>loadRes</c> gives a box result that has no segmentation.</summary>
    public static PolygonSegmentation FromBox(in BoxXywh box)
    {
        double x1 = box.X, x2 = box.X + box.Width, y1 = box.Y, y2 = box.Y + box.Height;
        return new PolygonSegmentation([[x1, y1, x1, y2, x2, y2, x2, y1]]);
    }
}
