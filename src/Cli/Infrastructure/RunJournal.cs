using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PerceptionEncoder.Cli.Infrastructure;

/// <summary>
/// What a long command has finished, so that a rerun after an interruption resumes instead of starting over. A JSON
/// Lines file: the first line holds the run's settings, every further line one finished item
/// (<c>{"item": KEY, "value": ...}</c>), appended and flushed as soon as the item is done. A run with other settings
/// starts a new journal; a line cut short by a kill is ignored (that item is simply done again).
/// </summary>
internal sealed class RunJournal : IDisposable
{
    private readonly Dictionary<string, JsonNode?> _items;
    private readonly StreamWriter _writer;

    private RunJournal(StreamWriter writer, Dictionary<string, JsonNode?> items) => (_writer, _items) = (writer, items);

    /// <summary>Items the earlier runs with the same settings finished.</summary>
    public int Count => _items.Count;

    /// <summary>Opens the journal at <paramref name="path"/> for a run with <paramref name="settings"/>.</summary>
    public static RunJournal Open(string path, string settings)
    {
        var earlier = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        bool same = false;
        if (File.Exists(path))
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            same = TryParse(reader.ReadLine()) is JsonObject header && StringOf(header["settings"]) == settings;
            for (string? line; same && (line = reader.ReadLine()) != null;)
                if (TryParse(line) is JsonObject entry && StringOf(entry["item"]) is { } item)
                    earlier[item] = entry["value"]?.DeepClone();
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!same)
            Imaging.AtomicFile.WriteAllText(path, new JsonObject { ["settings"] = settings }.ToJsonString() + "\n");
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (same && EndsInsideALine(path)) stream.WriteByte((byte)'\n'); // close a line cut short, so the next one parses
        return new RunJournal(new StreamWriter(stream, new UTF8Encoding(false)), earlier);
    }

    /// <summary>Whether an earlier run finished <paramref name="item"/>; <paramref name="value"/> is what it recorded.</summary>
    public bool TryGet(string item, out JsonNode? value) => _items.TryGetValue(item, out value);

    /// <summary>Records <paramref name="item"/> as finished (written through before returning).</summary>
    public void Record(string item, JsonNode? value)
    {
        _items[item] = value;
        _writer.Write(new JsonObject { ["item"] = item, ["value"] = value?.DeepClone() }.ToJsonString() + "\n");
        _writer.Flush();
    }

    /// <summary>A key for an input file that changes when the file is replaced: full path and last write time.</summary>
    public static string FileKey(string path) =>
        $"{Path.GetFullPath(path)}@{File.GetLastWriteTimeUtc(path).Ticks}";

    public void Dispose() => _writer.Dispose();

    private static bool EndsInsideALine(string path)
    {
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (reader.Length == 0) return false;
        reader.Seek(-1, SeekOrigin.End);
        return reader.ReadByte() != '\n';
    }

    /// <summary>The number in <paramref name="node"/>, or null when it holds none.</summary>
    public static int? IntOf(JsonNode? node) => node is JsonValue v && v.TryGetValue(out int i) ? i : null;

    private static string? StringOf(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static JsonNode? TryParse(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        try
        {
            return JsonNode.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
