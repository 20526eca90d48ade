using PerceptionEncoder.Heads.Depth.Evaluation;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Heads.Depth.Training;

/// <summary>The outcome of a depth training run: the trained head (owned by the caller), its history and the last validation.</summary>
public sealed record DepthTrainingResult(DepthHead Head, TrainingProgress Progress, DepthEvaluation? LastEvaluation, DepthBaselines? Baselines);
