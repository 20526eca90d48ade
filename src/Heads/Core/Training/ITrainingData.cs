using PerceptionEncoder.Backbone;

namespace PerceptionEncoder.Heads.Training;

/// <summary>
/// The batches of a training split: features (from the cache or the backbone) with the targets of the same images.
/// An epoch's batches depend only on the epoch number and the data's seed, so a resumed run sees what an
/// uninterrupted one would.
/// </summary>
public interface ITrainingData<TTargets>
{
    int BatchesPerEpoch { get; }

    /// <summary>The batches of 0-based epoch <paramref name="epoch"/>; the caller disposes each.</summary>
    IEnumerable<TrainingBatch<TTargets>> ReadEpoch(int epoch);
}

/// <summary>A batch: maps of the head's layers [B, C, h, w] and the targets of the same B images.</summary>
public sealed class TrainingBatch<TTargets>(FeatureMaps features, TTargets targets) : IDisposable
{
    public FeatureMaps Features { get; } = features;
    public TTargets Targets { get; } = targets;

    public void Dispose()
    {
        Features.Dispose();
        (Targets as IDisposable)?.Dispose();
    }
}
