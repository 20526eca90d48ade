namespace PerceptionEncoder.Data.Synthetic;

/// <summary>How synthetic still scenes look. The defaults serve the heads' learning tests and the demo.</summary>
public sealed record SceneOptions
{
    public int Width { get; init; } = 320;

    public int Height { get; init; } = 240;

    /// <summary>Objects per image (uniform in [min, max]); fewer when they do not fit.</summary>
    public int MinObjects { get; init; } = 1;

    public int MaxObjects { get; init; } = 6;

    /// <summary>Probability that an image also holds one crowd region (a cluster of tiny shapes, <c>iscrowd</c> = 1).</summary>
    public double CrowdProbability { get; init; } = 0.25;

    /// <summary>Smallest object height in pixels (about one 16-pixel patch).</summary>
    public int MinObjectSize { get; init; } = 14;

    /// <summary>Distance (metres) over which haze takes 1 - 1/e of a colour: far things look paler and flatter.</summary>
    public double FogDistance { get; init; } = 10;

    /// <summary>Standard deviation of per-pixel noise, in 8-bit levels.</summary>
    public double Noise { get; init; } = 3;

    /// <summary>Focal length in pixels as a fraction of the width (NYU's Kinect: 518.86 / 640 = 0.81).</summary>
    public double FocalFraction { get; init; } = 0.85;
}
