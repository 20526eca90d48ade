using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// What <c>pe track</c> has finished in an output folder, so that an interrupted run (the DAVIS val protocol takes
/// half an hour or more) resumes: <c>OUT/.pe-track.json</c> records the run's settings and each finished sequence with
/// its frame count, rewritten atomically after every sequence. A sequence is kept when the settings are the same and
/// all its frame PNGs are there; a run with other settings tracks everything again.
/// </summary>
internal sealed class TrackedSequences
{
    public const string FileName = ".pe-track.json";

    private readonly string _path;
    private readonly string _settings;
    private readonly Dictionary<string, int> _done = new(StringComparer.Ordinal);

    private TrackedSequences(string path, string settings)
    {
        _path = path;
        _settings = settings;
    }

    /// <summary>Reads the record of <paramref name="outDir"/>; one that is unreadable or of other settings counts as empty.</summary>
    public static TrackedSequences Open(string outDir, string settings)
    {
        var record = new TrackedSequences(Path.Combine(outDir, FileName), settings);
        try
        {
            if (File.Exists(record._path) && JsonNode.Parse(File.ReadAllText(record._path)) is JsonObject json
                && json["settings"]?.GetValue<string>() == settings && json["sequences"] is JsonObject sequences)
                foreach (var (name, frames) in sequences)
                    if (frames is JsonValue value && value.TryGetValue(out int count)) record._done[name] = count;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            record._done.Clear();
        }
        return record;
    }

    /// <summary>Whether <paramref name="sequence"/> was finished with these settings and all its PNGs are in <paramref name="sequenceDir"/>.</summary>
    public bool IsDone(string sequence, IReadOnlyList<string> frameIds, string sequenceDir) =>
        _done.TryGetValue(sequence, out int count) && count == frameIds.Count
        && frameIds.All(id => File.Exists(Path.Combine(sequenceDir, id + ".png")));

    /// <summary>Records <paramref name="sequence"/> as finished (the file is replaced atomically).</summary>
    public void MarkDone(string sequence, int frames)
    {
        _done[sequence] = frames;
        var json = new JsonObject
        {
            ["settings"] = _settings,
            ["sequences"] = new JsonObject(_done.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        AtomicFile.WriteAllText(_path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
