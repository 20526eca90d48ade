namespace PerceptionEncoder.Eval.Masks;

/// <summary>
/// An axis-aligned box in the COCO convention: top-left corner (<see cref="X"/>, <see cref="Y"/>) and size, in pixels,
/// as floats with no "+1" pixel convention (a box [x, y, w, h] covers x ≤ u &lt; x + w).
/// </summary>
public readonly record struct BoxXywh(double X, double Y, double Width, double Height)
{
    /// <summary><c>Width * Height</c>: the area COCO uses for boxes (bbox results and bbox IoU).</summary>
    public double Area => Width * Height;

    /// <summary>The right edge, <c>X + Width</c>.</summary>
    public double Right => X + Width;

    /// <summary>The bottom edge, <c>Y + Height</c>.</summary>
    public double Bottom => Y + Height;

    /// <summary>
    /// COCO box IoU (maskApi <c>bbIou</c>): intersection over union of the two boxes, or intersection over the
    /// detection's area when <paramref name="groundTruthIsCrowd"/>. Zero when the boxes do not overlap with a
    /// positive width and height. The arithmetic follows the reference operation by operation.
    /// </summary>
    public static double Iou(in BoxXywh detection, in BoxXywh groundTruth, bool groundTruthIsCrowd)
    {
        double w = Math.Min(detection.Width + detection.X, groundTruth.Width + groundTruth.X) - Math.Max(detection.X, groundTruth.X);
        if (!(w > 0)) return 0;
        double h = Math.Min(detection.Height + detection.Y, groundTruth.Height + groundTruth.Y) - Math.Max(detection.Y, groundTruth.Y);
        if (!(h > 0)) return 0;
        double detectionArea = detection.Width * detection.Height;
        double intersection = w * h;
        double union = groundTruthIsCrowd ? detectionArea : detectionArea + groundTruth.Width * groundTruth.Height - intersection;
        return intersection / union;
    }

    /// <summary>The four numbers in COCO order <c>[x, y, w, h]</c>.</summary>
    public double[] ToArray() => [X, Y, Width, Height];

    public override string ToString() => FormattableString.Invariant($"[{X}, {Y}, {Width}, {Height}]");
}
