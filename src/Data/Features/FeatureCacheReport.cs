namespace PerceptionEncoder.Data.Features;

/// <summary>What a <see cref="FeatureCache.Build"/> run did.</summary>
/// <param name="Directory">The cache folder.</param>
/// <param name="Items">Items in the dataset.</param>
/// <param name="Stored">Items the cache now holds.</param>
/// <param name="ComputedNow">Items whose features this run computed.</param>
/// <param name="AlreadyCached">Items already in the cache when the run started (resumed).</param>
/// <param name="Skipped">Items left out because they could not be read (all runs).</param>
/// <param name="BytesPerItem">Size of one item's features on disk.</param>
public sealed record FeatureCacheReport(string Directory, int Items, int Stored, int ComputedNow, int AlreadyCached,
    IReadOnlyList<CacheSkippedItem> Skipped, long BytesPerItem)
{
    public long TotalBytes => Stored * BytesPerItem;
}
