namespace PerceptionEncoder.Heads.Detection;

/// <summary>An axis-aligned box in pixels, corners (x1, y1) top-left and (x2, y2) bottom-right (x2 &gt;= x1 for a valid box).</summary>
public readonly record struct BoxXyxy(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;

    /// <summary>Width times height; 0 for an empty or inverted box.</summary>
    public float Area => Math.Max(0f, Width) * Math.Max(0f, Height);

    /// <summary>A box from COCO's <c>[x, y, w, h]</c>.</summary>
    public static BoxXyxy FromXywh(double x, double y, double w, double h) =>
        new((float)x, (float)y, (float)(x + w), (float)(y + h));

    /// <summary>COCO's <c>[x, y, w, h]</c>.</summary>
    public double[] ToXywh() => [X1, Y1, Width, Height];

    /// <summary>Intersection over union; 0 when both are empty.</summary>
    public static float IoU(BoxXyxy a, BoxXyxy b)
    {
        float iw = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        float ih = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (iw <= 0 || ih <= 0) return 0f;
        float inter = iw * ih;
        float union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0f;
    }

    /// <summary>The box in another pixel frame: x scaled by <paramref name="scaleX"/>, y by <paramref name="scaleY"/>, after subtracting an offset.</summary>
    public BoxXyxy Map(float scaleX, float scaleY, float offsetX = 0, float offsetY = 0) =>
        new((X1 - offsetX) * scaleX, (Y1 - offsetY) * scaleY, (X2 - offsetX) * scaleX, (Y2 - offsetY) * scaleY);

    /// <summary>The box clipped to the image <c>[0, width] x [0, height]</c>.</summary>
    public BoxXyxy Clip(float width, float height) => new(
        Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height), Math.Clamp(X2, 0, width), Math.Clamp(Y2, 0, height));
}
