using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads;

/// <summary>A category a detection head predicts: its real dataset id and name.</summary>
public sealed record HeadCategory(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name);

/// <summary>How images were turned into backbone input when the head was trained.</summary>
/// <param name="Resize"><c>squash</c> (to <paramref name="Size"/> x <paramref name="Size"/>), <c>short-side</c>, or <c>native</c>.</param>
/// <param name="Size">The target size in pixels (the square side, or the short side).</param>
public sealed record HeadInput(
    [property: JsonPropertyName("resize")] string Resize,
    [property: JsonPropertyName("size")] int Size);

/// <summary>What a head checkpoint says of itself (the JSON metadata).</summary>
public sealed record HeadMetadata
{
    public const string CurrentFormat = "pe-head/1";

    [JsonPropertyName("format")] public string Format { get; init; } = CurrentFormat;
    [JsonPropertyName("task")] public required string Task { get; init; }
    [JsonPropertyName("head")] public required JsonObject Head { get; init; }
    [JsonPropertyName("layers")] public required IReadOnlyList<int> Layers { get; init; }
    [JsonPropertyName("backbone")] public required BackboneSpec Backbone { get; init; }
    [JsonPropertyName("input")] public required HeadInput Input { get; init; }
    [JsonPropertyName("categories")] public IReadOnlyList<HeadCategory>? Categories { get; init; }
    [JsonPropertyName("epochs_trained")] public int EpochsTrained { get; init; }
    [JsonPropertyName("metrics")] public IReadOnlyDictionary<string, double>? Metrics { get; init; }
}

/// <summary>
/// A trained head on disk: a folder with <c>head.safetensors</c> (the weights, with the metadata JSON also stored in
/// the file's <c>__metadata__</c>, so the pair can never disagree) and <c>head.json</c> (the same metadata, for
/// people and scripts). Both are written atomically.
/// </summary>
public static class HeadCheckpoint
{
    public const string WeightsFileName = "head.safetensors";
    public const string MetadataFileName = "head.json";
    private const string MetadataKey = "pe_head";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Save(string directory, IDenseHead head, HeadMetadata metadata)
    {
        if (metadata.Task != head.Task)
            throw new ArgumentException($"metadata task {metadata.Task} differs from the head's {head.Task}");
        Directory.CreateDirectory(directory);
        string json = JsonSerializer.Serialize(metadata, Json);
        using var scope = NewDisposeScope();
        var tensors = head.Module.state_dict()
            .Select(p => new KeyValuePair<string, Tensor>(p.Key, p.Value.detach().cpu().to(ScalarType.Float32)))
            .ToList();
        SafetensorsFormat.Write(Path.Combine(directory, WeightsFileName), tensors,
            new Dictionary<string, string> { [MetadataKey] = json });
        AtomicFile.WriteAllText(Path.Combine(directory, MetadataFileName), json + "\n");
    }

    /// <summary>Reads the metadata of a head folder (or of its <c>head.safetensors</c> given directly).</summary>
    public static HeadMetadata ReadMetadata(string path)
    {
        string weights = WeightsPath(path);
        var (_, stored) = SafetensorsFormat.Read(weights);
        if (!stored.TryGetValue(MetadataKey, out string? json))
            throw new InvalidDataException($"{weights}: not a head checkpoint of this toolkit (no '{MetadataKey}' metadata).");
        HeadMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<HeadMetadata>(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{weights}: unreadable head metadata ({e.Message}).", e);
        }
        if (metadata == null || metadata.Format != HeadMetadata.CurrentFormat)
            throw new InvalidDataException($"{weights}: head format '{metadata?.Format}' is not {HeadMetadata.CurrentFormat}.");
        return metadata;
    }

    /// <summary>
    /// Loads the weights into <paramref name="head"/> (built from the same metadata), strictly: a missing,
    /// unexpected or mis-shaped tensor is an error listing them all.
    /// </summary>
    public static void LoadWeights(string path, IDenseHead head)
    {
        string weights = WeightsPath(path);
        var (tensors, _) = SafetensorsFormat.Read(weights);
        var stored = tensors.ToDictionary(t => t.Name);
        var expected = head.Module.state_dict();
        var problems = new List<string>();
        foreach (var (name, target) in expected)
        {
            if (!stored.TryGetValue(name, out var source))
                problems.Add($"missing {name}");
            else if (!source.Shape.SequenceEqual(target.shape))
                problems.Add($"{name} has shape [{string.Join(", ", source.Shape)}], expected [{string.Join(", ", target.shape)}]");
        }
        problems.AddRange(stored.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"unexpected {k}"));
        if (problems.Count > 0)
            throw new InvalidDataException($"{weights}: does not fit this head: {string.Join("; ", problems)}.");
        using var noGrad = no_grad();
        foreach (var (name, target) in expected)
        {
            using var value = stored[name].Load();
            target.copy_(value);
        }
    }

    /// <summary>The weights file of a head given as its folder or as the file itself (checked to exist).</summary>
    public static string WeightsPath(string path)
    {
        string weights = Directory.Exists(path) ? Path.Combine(path, WeightsFileName) : path;
        if (!File.Exists(weights))
            throw new FileNotFoundException(
                Directory.Exists(path)
                    ? $"{path}: no {WeightsFileName} in this folder; is it the --out folder of `pe train`?"
                    : $"{path}: head checkpoint not found.", weights);
        return weights;
    }
}
