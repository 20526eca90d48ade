namespace PerceptionEncoder.Data.Synthetic;

/// <summary>How synthetic videos (DAVIS-style sequences) look.</summary>
public sealed record VideoOptions
{
    public int Width { get; init; } = 448;

    public int Height { get; init; } = 256;

    public int Frames { get; init; } = 20;

    /// <summary>Objects per sequence (uniform in [min, max]), each of a different category; all visible in frame 0.</summary>
    public int MinObjects { get; init; } = 2;

    public int MaxObjects { get; init; } = 3;

    /// <summary>Smallest object height in pixels.</summary>
    public int MinObjectSize { get; init; } = 24;

    public double FogDistance { get; init; } = 10;

    public double Noise { get; init; } = 3;

    public double FocalFraction { get; init; } = 0.85;
}
