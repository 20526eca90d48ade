namespace PerceptionEncoder.Heads.Training;

/// <summary>How a head is trained: AdamW with linear warm-up then cosine decay, gradient clipping.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 12;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Optimiser steps of linear warm-up from 0 to <see cref="LearningRate"/>.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>The cosine decays to <see cref="LearningRate"/> times this.</summary>
    public double FinalLearningRateRatio { get; init; } = 0.01;

    /// <summary>Maximum global gradient norm; 0 disables clipping.</summary>
    public double ClipGradNorm { get; init; } = 1.0;

    public int Seed { get; init; }

    /// <summary>Evaluate on the validation split every this many epochs (and after the last); 0: only after the last.</summary>
    public int EvalEvery { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1 (got {Epochs}).");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be positive (got {LearningRate}).");
        if (WeightDecay < 0) throw new ArgumentException($"weight decay must be >= 0 (got {WeightDecay}).");
        if (WarmupSteps < 0) throw new ArgumentException($"warm-up steps must be >= 0 (got {WarmupSteps}).");
        if (ClipGradNorm < 0) throw new ArgumentException($"gradient clipping norm must be >= 0 (got {ClipGradNorm}).");
        if (EvalEvery < 0) throw new ArgumentException($"eval-every must be >= 0 (got {EvalEvery}).");
    }
}
