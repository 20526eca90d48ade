namespace PerceptionEncoder.Data.Samples;

/// <summary>
/// An axis-aligned box in pixel coordinates, corners (x0, y0) and (x1, y1), x1 &gt;= x0, y1 &gt;= y0. Coordinates are
/// continuous: pixel (i, j) covers [j, j+1) × [i, i+1), so the box of a single pixel is (j, i, j+1, i+1).
/// </summary>
public readonly record struct BoxF(float X0, float Y0, float X1, float Y1)
{
    public float Width => X1 - X0;

    public float Height => Y1 - Y0;

    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>From COCO's <c>[x, y, w, h]</c>.</summary>
    public static BoxF FromXywh(double x, double y, double w, double h) => new((float)x, (float)y, (float)(x + w), (float)(y + h));

    /// <summary>As COCO's <c>[x, y, w, h]</c>.</summary>
    public double[] ToXywh() => [X0, Y0, Width, Height];

    /// <summary>The part of the box inside [0, width] × [0, height].</summary>
    public BoxF Clip(float width, float height) =>
        new(Math.Clamp(X0, 0, width), Math.Clamp(Y0, 0, height), Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height));

    /// <summary>Whether the centre of pixel (<paramref name="row"/>, <paramref name="column"/>) lies in the box.</summary>
    public bool ContainsPixelCentre(int row, int column, float tolerance = 1e-3f) =>
        column + 0.5f >= X0 - tolerance && column + 0.5f <= X1 + tolerance && row + 0.5f >= Y0 - tolerance && row + 0.5f <= Y1 + tolerance;
}
