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

    public int CocoTrainImages { get; init; } = 400;
    public int CocoValImages { get; init; } = 80;
    public int DetectionInputSize { get; init; } = 256;
    public int DetectionEpochs { get; init; } = 12;
    public int DetectionChannels { get; init; } = 64;
    public double DetectionLearningRate { get; init; } = 2e-3;

    public int NyuTrainImages { get; init; } = 300;
    public int NyuTestImages { get; init; } = 60;
    public int DepthInputSize { get; init; } = 128;
    public int DepthEpochs { get; init; } = 4;
    public int DepthFeatures { get; init; } = 64;
    public double DepthLearningRate { get; init; } = 1e-3;

    public int DavisSequences { get; init; } = 2;
    public int TrackingShortSide { get; init; } = 256;

    /// <summary>How many held-out images the report shows per task.</summary>
    public int ReportImages { get; init; } = 4;

    public string DataRoot => Path.Combine(OutputDirectory, "data");
    public string CacheRoot => Path.Combine(OutputDirectory, "cache");
    public string PicturesDirectory => Path.Combine(OutputDirectory, "pictures");
}
