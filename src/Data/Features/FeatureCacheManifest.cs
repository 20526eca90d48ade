using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PerceptionEncoder.Data.Features;

/// <summary>
/// <c>manifest.json</c> of a feature cache: what the features are (backbone, weights, layers, resolution,
/// transform, dtype, dataset) and where they are (shards). Written atomically; free of timestamps so that an
/// interrupted-then-resumed build ends byte-identical to an uninterrupted one.
/// </summary>
public sealed record FeatureCacheManifest
{
    public const string CurrentFormat = "pe-feature-cache/1";

    [JsonPropertyName("format")] public string Format { get; init; } = CurrentFormat;

    [JsonPropertyName("backbone")] public required CacheBackbone Backbone { get; init; }

    /// <summary>0-based block indices, in record order.</summary>
    [JsonPropertyName("layers")] public required int[] Layers { get; init; }

    /// <summary>Side of the square input, in pixels.</summary>
    [JsonPropertyName("image_size")] public required int ImageSize { get; init; }

    /// <summary>Patch grid [h, w] of every map.</summary>
    [JsonPropertyName("grid")] public required int[] Grid { get; init; }

    /// <summary>The transform applied before the backbone (<see cref="Transforms.SampleTransform.Describe"/>).</summary>
    [JsonPropertyName("transform")] public required string Transform { get; init; }

    [JsonPropertyName("normalisation")] public string Normalisation { get; init; } = "x = pixel/255*2-1";

    /// <summary><c>bf16</c> or <c>fp16</c>.</summary>
    [JsonPropertyName("dtype")] public required string DType { get; init; }

    [JsonPropertyName("dataset")] public required CacheDataset Dataset { get; init; }

    /// <summary>Layout of one item's record in a shard.</summary>
    [JsonPropertyName("record")] public required CacheRecordLayout Record { get; init; }

    /// <summary>Images per backbone call; part of the identity because results may differ in the last bit with it.</summary>
    [JsonPropertyName("batch_size")] public required int BatchSize { get; init; }

    /// <summary>Dataset items per shard (a multiple of the batch size).</summary>
    [JsonPropertyName("shard_items")] public required int ShardItems { get; init; }

    [JsonPropertyName("complete")] public bool Complete { get; init; }

    [JsonPropertyName("stored")] public int Stored { get; init; }

    [JsonPropertyName("skipped")] public IReadOnlyList<CacheSkippedItem> Skipped { get; init; } = [];

    [JsonPropertyName("shards")] public IReadOnlyList<CacheShard> Shards { get; init; } = [];

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    public static FeatureCacheManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<FeatureCacheManifest>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty feature-cache manifest.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a feature-cache manifest ({e.Message}).", e);
        }
    }

    /// <summary>What a resumed build or a reader must agree on, as a list of (what, value) pairs.</summary>
    internal IEnumerable<(string What, string Value)> Identity()
    {
        yield return ("backbone", Backbone.Name);
        yield return ("weights", Backbone.Weights);
        yield return ("layers", $"[{string.Join(", ", Layers)}]");
        yield return ("image size", $"{ImageSize} px");
        yield return ("transform", Transform);
        yield return ("dtype", DType);
        yield return ("batch size", BatchSize.ToString());
        yield return ("shard size", ShardItems.ToString());
        yield return ("dataset", $"{Dataset.Kind} {Dataset.Split}");
        yield return ("dataset items", $"{Dataset.Items} (ids sha256 {Dataset.IdsSha256[..Math.Min(12, Dataset.IdsSha256.Length)]})");
    }
}

/// <summary>The backbone of a cache.</summary>
public sealed record CacheBackbone
{
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary><c>sha256:&lt;hex&gt;</c> of the checkpoint file, or <c>random:&lt;seed&gt;</c>.</summary>
    [JsonPropertyName("weights")] public required string Weights { get; init; }

    [JsonPropertyName("random_weights")] public bool RandomWeights { get; init; }

    [JsonPropertyName("patch_size")] public required int PatchSize { get; init; }

    [JsonPropertyName("width")] public required int Width { get; init; }

    [JsonPropertyName("depth")] public required int Depth { get; init; }

    [JsonPropertyName("class_token")] public bool ClassToken { get; init; }

    /// <summary>The backbone's config (official constructor argument names), when known.</summary>
    [JsonPropertyName("config")] public JsonObject? Config { get; init; }
}

/// <summary>The dataset a cache covers.</summary>
public sealed record CacheDataset
{
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    [JsonPropertyName("split")] public required string Split { get; init; }

    [JsonPropertyName("items")] public required int Items { get; init; }

    /// <summary>SHA-256 of the item ids joined by newlines: detects a dataset that changed under a resumed build.</summary>
    [JsonPropertyName("ids_sha256")] public required string IdsSha256 { get; init; }
}

/// <summary>Byte layout of one record.</summary>
public sealed record CacheRecordLayout
{
    [JsonPropertyName("bytes")] public required long Bytes { get; init; }

    [JsonPropertyName("entries")] public required IReadOnlyList<CacheRecordEntry> Entries { get; init; }
}

/// <summary>One tensor of a record: <c>layer_&lt;i&gt;</c> [C, h, w] or <c>cls_&lt;i&gt;</c> [C], little-endian.</summary>
public sealed record CacheRecordEntry
{
    [JsonPropertyName("name")] public required string Name { get; init; }

    [JsonPropertyName("offset")] public required long Offset { get; init; }

    [JsonPropertyName("shape")] public required int[] Shape { get; init; }
}

/// <summary>A finished shard: its data file (records back to back) and its index (ids in record order).</summary>
public sealed record CacheShard
{
    [JsonPropertyName("data")] public required string Data { get; init; }

    [JsonPropertyName("index")] public required string Index { get; init; }

    [JsonPropertyName("count")] public required int Count { get; init; }
}

/// <summary>An item left out of a cache (skip-bad mode).</summary>
public sealed record CacheSkippedItem
{
    [JsonPropertyName("index")] public required int Index { get; init; }

    [JsonPropertyName("id")] public required string Id { get; init; }

    [JsonPropertyName("file")] public required string File { get; init; }

    [JsonPropertyName("reason")] public required string Reason { get; init; }
}

/// <summary>The index file of a shard.</summary>
internal sealed record CacheShardIndex
{
    [JsonPropertyName("ids")] public required IReadOnlyList<string> Ids { get; init; }

    [JsonPropertyName("skipped")] public required IReadOnlyList<CacheSkippedItem> Skipped { get; init; }
}

/// <summary>One committed batch in the journal of the shard being written.</summary>
internal sealed record CacheJournalEntry
{
    [JsonPropertyName("start")] public required int Start { get; init; }

    [JsonPropertyName("end")] public required int End { get; init; }

    [JsonPropertyName("ids")] public required IReadOnlyList<string> Ids { get; init; }

    [JsonPropertyName("skipped")] public required IReadOnlyList<CacheSkippedItem> Skipped { get; init; }
}
