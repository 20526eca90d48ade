namespace PerceptionEncoder.Data.Loading;

/// <summary>
/// One chunk of a loader's item order once read: the source indices it covered, the batch of those that could be
/// read (null when none could), and those left out in skip-bad mode.
/// </summary>
public sealed record LoadedBatch(IReadOnlyList<int> Indices, Batch? Batch, IReadOnlyList<SkippedItem> Skipped);
