using System.Text.Json.Serialization;

namespace PerceptionEncoder.Cli.Demo;

/// <summary>The backbone the demo used.</summary>
internal sealed record BackboneStageResult(
    string Name, string Checkpoint, bool RandomWeights, string WeightsId, long Parameters, int PatchSize, int Width,
    int Depth, int ImageSize, double Seconds);

/// <summary>The synthetic datasets the demo wrote.</summary>
internal sealed record DataStageResult(string Root, int CocoTrain, int CocoVal, int NyuTrain, int NyuTest, int DavisSequences, double Seconds);

/// <summary>Tracking by label propagation on the synthetic videos, evaluated with the DAVIS protocol.</summary>
internal sealed record TrackingStageResult(
    [property: JsonPropertyName("J&F-Mean")] double JAndFMean,
    [property: JsonPropertyName("J-Mean")] double JMean,
    [property: JsonPropertyName("F-Mean")] double FMean,
    int Sequences, int Frames, int ShortSide, IReadOnlyList<string> Pictures, double Seconds);

/// <summary>The feature caches the heads train from.</summary>
internal sealed record CacheStageResult(string Root, int Images, long Bytes, double Seconds);

/// <summary>The detection head, its held-out COCO bbox numbers and its pictures (paths relative to the report).</summary>
internal sealed record DetectionStageResult(
    double AP, double AP50, double AP75, IReadOnlyList<double> Stats, int TrainImages, int ValImages, int Epochs,
    string Head, string LossPlot, string PrecisionRecallPlot, IReadOnlyList<string> Pictures, double Seconds);

/// <summary>The DPT depth head and the two trivial baselines on the same held-out images (NYU metrics).</summary>
internal sealed record DepthStageResult(
    IReadOnlyDictionary<string, double> Head, IReadOnlyDictionary<string, double> Constant,
    IReadOnlyDictionary<string, double> PixelMedian, int TrainImages, int TestImages, int Epochs, string HeadDirectory,
    string LossPlot, IReadOnlyList<string> Pictures, double Seconds);

/// <summary>Everything the report shows.</summary>
internal sealed record DemoSummary(
    BackboneStageResult Backbone, DataStageResult Data, CacheStageResult Cache, DetectionStageResult Detection,
    DepthStageResult Depth, TrackingStageResult Tracking);
