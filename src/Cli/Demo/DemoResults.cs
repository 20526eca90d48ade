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
