using System.Text.Json.Nodes;

namespace PerceptionEncoder.Data.Features;

/// <summary>How <see cref="FeatureCache.Build"/> makes a cache.</summary>
public sealed record FeatureCacheOptions
{
    /// <summary>The cache folder (created; resumed when it holds a cache of the same identity).</summary>
    public required string Directory { get; init; }

    /// <summary>Block indices, negative from the end.</summary>
    public required IReadOnlyList<int> Layers { get; init; }

    /// <summary>Images are squash-resized to this square size (a multiple of the patch size).</summary>
    public required int ImageSize { get; init; }

    public CacheDType DType { get; init; } = CacheDType.BFloat16;

    /// <summary>Leave out unreadable items (listed in the manifest) instead of stopping at the first.</summary>
    public bool SkipBad { get; init; }

    /// <summary>Images per backbone call.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Dataset items per shard file; rounded up to a multiple of <see cref="BatchSize"/>.</summary>
    public int ShardItems { get; init; } = 256;

    /// <summary>Decoding threads.</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Dataset kind recorded in the manifest (<c>coco</c>, <c>nyu</c>, <c>davis</c>, <c>folder</c>).</summary>
    public string DatasetKind { get; init; } = "custom";

    /// <summary>Split name recorded in the manifest.</summary>
    public string Split { get; init; } = "";

    /// <summary>The backbone's config, recorded in the manifest when given.</summary>
    public JsonObject? BackboneConfig { get; init; }
}
