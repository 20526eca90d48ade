using System.Text;
using System.Text.Json;

namespace PerceptionEncoder.Eval.Formats;

/// <summary>
/// A JSON file held in memory while it is parsed, able to turn a byte offset into "line L, column C" and a
/// <see cref="JsonException"/> into a one-line <see cref="InvalidDataException"/> that names the file.
/// </summary>
internal sealed class JsonSource(string name, byte[] bytes)
{
    public string Name { get; } = name;

    public byte[] Bytes { get; } = bytes;

    /// <summary>The bytes after a UTF-8 byte-order mark, if any.</summary>
    public ReadOnlySpan<byte> Content => Bytes.AsSpan(Preamble);

    public int Preamble => Bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;

    public static JsonSource Open(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"{path}: file not found.", path); }
        catch (DirectoryNotFoundException) { throw new FileNotFoundException($"{path}: file not found.", path); }
        return new JsonSource(path, bytes);
    }

    /// <summary>1-based line and column of a byte offset into <see cref="Content"/>.</summary>
    public (int Line, int Column) Position(long offset)
    {
        var content = Content;
        offset = Math.Clamp(offset, 0, content.Length);
        int line = 1;
        long lineStart = 0;
        for (int i = 0; i < offset; i++)
            if (content[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        return (line, (int)(offset - lineStart) + 1);
    }

    public InvalidDataException Error(long offset, string message)
    {
        var (line, column) = Position(offset);
        return new InvalidDataException($"{Name}: line {line}, column {column}: {message}");
    }

    /// <summary>A malformed-JSON error with the position the reader reported, and a hint for NaN/Infinity literals.</summary>
    public InvalidDataException Malformed(JsonException e, string? context = null)
    {
        long line = (e.LineNumber ?? 0) + 1, column = (e.BytePositionInLine ?? 0) + 1;
        string hint = "";
        long offset = OffsetOf(line, column);
        if (offset >= 0)
        {
            var rest = Content[(int)offset..];
            foreach (string literal in (string[])["NaN", "-Infinity", "Infinity", "-NaN"])
                if (rest.StartsWith(Encoding.ASCII.GetBytes(literal)))
                {
                    hint = $" ('{literal}' is not a JSON number; Python's json module writes it for non-finite floats)";
                    break;
                }
        }
        string where = context == null ? "" : $" in {context}";
        string reason = FirstSentence(e.Message);
        return new InvalidDataException($"{Name}: malformed JSON at line {line}, column {column}{where}{hint}: {reason}", e);
    }

    private long OffsetOf(long line, long column)
    {
        var content = Content;
        long current = 1, i = 0;
        while (current < line && i < content.Length)
            if (content[(int)i++] == (byte)'\n') current++;
        long offset = i + column - 1;
        return current == line && offset <= content.Length ? offset : -1;
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends " LineNumber: ... | BytePositionInLine: ..." which we already report.
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd();
    }
}
