namespace PerceptionEncoder.Data.Samples;

/// <summary>
/// Where a sample's pixels came from: current coordinates are an axis-wise affine map of the original image's,
/// x' = ScaleX·x + OffsetX, y' = ScaleY·y + OffsetY (ScaleX is negative after a horizontal flip). Heads use it to
/// map predictions back to the original image (COCO results, depth at the GT resolution).
/// </summary>
public sealed record ImageGeometry(int OriginalWidth, int OriginalHeight, double ScaleX, double OffsetX, double ScaleY, double OffsetY)
{
    public static ImageGeometry Identity(int width, int height) => new(width, height, 1, 0, 1, 0);

    /// <summary>Composes with a further map x'' = sx·x' + ox, y'' = sy·y' + oy.</summary>
    public ImageGeometry Then(double sx, double ox, double sy, double oy) =>
        this with { ScaleX = ScaleX * sx, OffsetX = OffsetX * sx + ox, ScaleY = ScaleY * sy, OffsetY = OffsetY * sy + oy };

    /// <summary>Whether the sample is mirrored relative to the original.</summary>
    public bool IsFlipped => ScaleX < 0;

    /// <summary>Maps a box in current coordinates back to the original image.</summary>
    public BoxF ToOriginal(BoxF box)
    {
        double ax = (box.X0 - OffsetX) / ScaleX, bx = (box.X1 - OffsetX) / ScaleX;
        double ay = (box.Y0 - OffsetY) / ScaleY, by = (box.Y1 - OffsetY) / ScaleY;
        return new BoxF((float)Math.Min(ax, bx), (float)Math.Min(ay, by), (float)Math.Max(ax, bx), (float)Math.Max(ay, by));
    }

    /// <summary>Maps a box of the original image to current coordinates.</summary>
    public BoxF FromOriginal(BoxF box)
    {
        double ax = box.X0 * ScaleX + OffsetX, bx = box.X1 * ScaleX + OffsetX;
        double ay = box.Y0 * ScaleY + OffsetY, by = box.Y1 * ScaleY + OffsetY;
        return new BoxF((float)Math.Min(ax, bx), (float)Math.Min(ay, by), (float)Math.Max(ax, bx), (float)Math.Max(ay, by));
    }
}
