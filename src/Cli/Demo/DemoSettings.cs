namespace PerceptionEncoder.Cli.Demo;

/// <summary>Sizes of the demo's work, chosen so that the whole demo runs in about ten minutes on two cores.</summary>
internal sealed record DemoSettings
{
    public required string OutputDirectory { get; init; }
    public int Seed { get; init; }
    public string? Checkpoint { get; init; }
    public string? Config { get; init; }

    /// <summary>The random-weight backbone used when no checkpoint is given: PE-Spatial-T's shape, fewer blocks.</summary>
    public int RandomBackboneBlocks { get; init; } = 4;

    public int DavisSequences { get; init; } = 2;
    public int TrackingShortSide { get; init; } = 256;

    public string DataRoot => Path.Combine(OutputDirectory, "data");
    public string PicturesDirectory => Path.Combine(OutputDirectory, "pictures");
}
