using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Training;

/// <summary>The loss of one optimiser step.</summary>
public sealed record StepRecord(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("lr")] double LearningRate,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("parts")] IReadOnlyDictionary<string, double> Parts,
    [property: JsonPropertyName("grad_norm")] double GradNorm);

/// <summary>Validation metrics after an epoch.</summary>
public sealed record EvalRecord(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double> Metrics);

/// <summary>Where a training run stands: what the resume file stores beside the weights and optimiser state.</summary>
public sealed record TrainingProgress(
    [property: JsonPropertyName("epochs_done")] int EpochsDone,
    [property: JsonPropertyName("steps_done")] int StepsDone,
    [property: JsonPropertyName("steps")] IReadOnlyList<StepRecord> Steps,
    [property: JsonPropertyName("evaluations")] IReadOnlyList<EvalRecord> Evaluations)
{
    public static TrainingProgress Start { get; } = new(0, 0, [], []);
}
