namespace PerceptionEncoder.Eval.Masks;

public sealed partial class Rle
{
    /// <summary>
    /// Mask IoU as pycocotools <c>iou</c> computes it for RLEs: exact integer intersection over union, or over the
    /// detection's area when <paramref name="groundTruthIsCrowd"/>; 0 when the <see cref="ToBbox"/> boxes do not
    /// overlap (the reference's box pre-filter) or the intersection is empty.
    /// </summary>
    /// <exception cref="ArgumentException">The masks have different sizes (the reference returns -1 there).</exception>
    public static double Iou(Rle detection, Rle groundTruth, bool groundTruthIsCrowd) =>
        Iou(detection, detection.ToBbox(), groundTruth, groundTruth.ToBbox(), groundTruthIsCrowd);

    /// <summary>
    /// The IoU matrix <c>[D, G]</c> (row = detection) of pycocotools <c>iou(dt, gt, iscrowd)</c> for masks.
    /// </summary>
    public static double[,] Iou(IReadOnlyList<Rle> detections, IReadOnlyList<Rle> groundTruths, IReadOnlyList<bool> groundTruthIsCrowd)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(groundTruths);
        ArgumentNullException.ThrowIfNull(groundTruthIsCrowd);
        if (groundTruthIsCrowd.Count != groundTruths.Count)
            throw new ArgumentException($"{groundTruths.Count} ground-truth masks but {groundTruthIsCrowd.Count} crowd flags.");
        var dBoxes = new BoxXywh[detections.Count];
        var gBoxes = new BoxXywh[groundTruths.Count];
        for (int d = 0; d < dBoxes.Length; d++) dBoxes[d] = detections[d].ToBbox();
        for (int g = 0; g < gBoxes.Length; g++) gBoxes[g] = groundTruths[g].ToBbox();
        var result = new double[dBoxes.Length, gBoxes.Length];
        for (int d = 0; d < dBoxes.Length; d++)
            for (int g = 0; g < gBoxes.Length; g++)
                result[d, g] = Iou(detections[d], dBoxes[d], groundTruths[g], gBoxes[g], groundTruthIsCrowd[g]);
        return result;
    }

    /// <summary>IoU with the <see cref="ToBbox"/> boxes already computed (the evaluator reuses them).</summary>
    internal static double Iou(Rle dt, in BoxXywh dtBox, Rle gt, in BoxXywh gtBox, bool crowd)
    {
        if (dt.Height != gt.Height || dt.Width != gt.Width)
            throw new ArgumentException($"IoU of masks of different sizes: [{dt.Height}, {dt.Width}] and [{gt.Height}, {gt.Width}].");
        if (!(BoxXywh.Iou(dtBox, gtBox, crowd) > 0)) return 0;
        (uint intersection, uint union) = IntersectionAndUnion(dt._counts, gt._counts);
        if (intersection == 0) return 0;
        if (crowd) union = unchecked((uint)dt.Area);
        return (double)intersection / union;
    }

    /// <summary>Number of pixels in both masks.</summary>
    public static long IntersectionArea(Rle a, Rle b)
    {
        if (a.Height != b.Height || a.Width != b.Width)
            throw new ArgumentException($"masks of different sizes: [{a.Height}, {a.Width}] and [{b.Height}, {b.Width}].");
        return IntersectionAndUnion(a._counts, b._counts).Intersection;
    }

    private static (uint Intersection, uint Union) IntersectionAndUnion(uint[] a, uint[] b)
    {
        uint ca = a.Length > 0 ? a[0] : 0, cb = b.Length > 0 ? b[0] : 0, ct = 1, intersection = 0, union = 0;
        bool va = false, vb = false;
        int ia = 1, ib = 1;
        while (ct > 0)
        {
            uint c = Math.Min(ca, cb);
            if (va || vb)
            {
                union += c;
                if (va && vb) intersection += c;
            }
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < a.Length)
            {
                ca = a[ia++];
                va = !va;
            }
            ct += ca;
            cb -= c;
            if (cb == 0 && ib < b.Length)
            {
                cb = b[ib++];
                vb = !vb;
            }
            ct += cb;
        }
        return (intersection, union);
    }
}
