namespace PerceptionEncoder.Data.Synthetic;

/// <summary>
/// The camera and the room of a synthetic scene: a pinhole camera at <see cref="CameraHeight"/> above a ground
/// plane, looking level (horizon at row <see cref="Horizon"/>), a fronto-parallel back wall at
/// <see cref="WallDistance"/> of height <see cref="WallHeight"/>, sky above it (no depth there). Ground depth at a
/// row is focal·height / (row - horizon): it grows toward the horizon.
/// </summary>
internal sealed record SceneLayout(int Width, int Height, double Focal, double Horizon, double CameraHeight,
    double WallDistance, double WallHeight, BackgroundStyle Style)
{
    public double CentreX => Width / 2.0;

    /// <summary>Where the wall meets the ground (pixel row, continuous).</summary>
    public double WallFootRow => Horizon + Focal * CameraHeight / WallDistance;

    /// <summary>The wall's top edge (pixel row, continuous; may be above the image).</summary>
    public double WallTopRow => Horizon - Focal * (WallHeight - CameraHeight) / WallDistance;

    /// <summary>Depth of the ground at a continuous row below the horizon.</summary>
    public double GroundDepthAt(double row) => Focal * CameraHeight / (row - Horizon);

    /// <summary>The continuous row where the ground is at depth <paramref name="depth"/>.</summary>
    public double RowOfDepth(double depth) => Horizon + Focal * CameraHeight / depth;

    public static SceneLayout Draw(int width, int height, double focalFraction, Random random)
    {
        double focal = focalFraction * width;
        double horizon = height * (0.22 + 0.22 * random.NextDouble());
        double cameraHeight = 1.1 + 0.8 * random.NextDouble();
        double wall = 3.5 + 6.0 * random.NextDouble();
        // The wall must meet the ground inside the image, above the bottom fifth.
        double footRow = horizon + focal * cameraHeight / wall;
        if (footRow > 0.8 * height) wall = focal * cameraHeight / (0.8 * height - horizon);
        double wallHeight = cameraHeight + 0.4 + 2.0 * random.NextDouble();
        return new SceneLayout(width, height, focal, horizon, cameraHeight, wall, wallHeight, BackgroundStyle.Draw(random));
    }
}

/// <summary>Textures and colours of the ground, the wall and the sky.</summary>
internal sealed record BackgroundStyle(int GroundKind, (float R, float G, float B) GroundA, (float R, float G, float B) GroundB, double GroundPeriod,
    int WallKind, (float R, float G, float B) WallA, (float R, float G, float B) WallB, double WallPeriod,
    (float R, float G, float B) SkyTop, (float R, float G, float B) SkyHorizon, int NoiseSeed)
{
    public static BackgroundStyle Draw(Random random)
    {
        (float, float, float) Earthy(double minV, double maxV) =>
            Textures.Hsv(20 + 60 * random.NextDouble() + (random.NextDouble() < 0.3 ? 180 : 0), 0.1 + 0.25 * random.NextDouble(),
                minV + (maxV - minV) * random.NextDouble());
        var groundA = Earthy(0.3, 0.7);
        var groundB = Scale(groundA, 0.6 + 0.25 * random.NextDouble());
        var wallA = Earthy(0.45, 0.85);
        var wallB = Scale(wallA, 0.55 + 0.3 * random.NextDouble());
        return new BackgroundStyle(
            random.Next(3), groundA, groundB, 0.6 * (0.85 + 0.3 * random.NextDouble()),
            random.Next(3), wallA, wallB, 0.6 * (0.85 + 0.3 * random.NextDouble()),
            Textures.Hsv(205 + 15 * random.NextDouble(), 0.35 + 0.2 * random.NextDouble(), 0.8 + 0.15 * random.NextDouble()),
            Textures.Hsv(210, 0.1, 0.92),
            random.Next());
    }

    private static (float, float, float) Scale((float R, float G, float B) c, double f) => ((float)(c.R * f), (float)(c.G * f), (float)(c.B * f));
}
