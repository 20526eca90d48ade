namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Parameters of label propagation (the DINO DAVIS protocol). Defaults are the official ones.
/// </summary>
public sealed record PropagationOptions
{
    /// <summary>Affinities kept per target token, over all context frames jointly (ties at the k-th value are kept).</summary>
    public int TopK { get; init; } = 5;

    /// <summary>Number n of most recent frames in the context, besides the first frame.</summary>
    public int ContextFrames { get; init; } = 7;

    /// <summary>
    /// Half side r of the square neighbourhood on the feature grid a target token may take labels from
    /// (|Δi| ≤ r and |Δj| ≤ r); 0 disables the restriction (every source token is a candidate).
    /// </summary>
    public int Radius { get; init; } = 12;

    /// <summary>Affinity temperature: a = exp(cos / T). The official code hard-codes 0.1.</summary>
    public double Temperature { get; init; } = 0.1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public PropagationOptions Validate()
    {
        if (TopK < 1) throw new ArgumentException($"topk must be at least 1 (got {TopK}).");
        if (ContextFrames < 1) throw new ArgumentException($"context must be at least 1 frame (got {ContextFrames}).");
        if (Radius < 0) throw new ArgumentException($"radius must be 0 (no restriction) or positive (got {Radius}).");
        if (!(Temperature > 0) || double.IsInfinity(Temperature))
            throw new ArgumentException($"temperature must be a positive number (got {Temperature}).");
        return this;
    }
}
