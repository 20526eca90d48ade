using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Minimal reader of the safetensors format (8-byte little-endian header length, JSON header of
/// name → {dtype, shape, data_offsets}, then the raw little-endian data), enough for feature files.
/// </summary>
internal static class Safetensors
{
    internal sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    /// <summary>The tensors listed in the header, by name.</summary>
    public static IReadOnlyDictionary<string, Entry> ReadHeader(string path)
    {
        using var stream = Open(path);
        return ReadHeader(path, stream, out _);
    }

    /// <summary>Reads one tensor as float32 (F32 as stored; BF16 and F16 widened).</summary>
    public static Tensor ReadFloat32(string path, string name)
    {
        using var stream = Open(path);
        var entries = ReadHeader(path, stream, out long dataStart);
        if (!entries.TryGetValue(name, out var entry))
            throw new InvalidDataException($"{path}: no tensor '{name}' (has {string.Join(", ", entries.Keys)}).");
        long count = entry.Shape.Aggregate(1L, (a, d) => a * d);
        int elementSize = entry.DType switch
        {
            "F32" => 4,
            "BF16" or "F16" => 2,
            _ => throw new InvalidDataException($"{path}: tensor '{name}' has dtype {entry.DType}; expected F32 (or BF16/F16)."),
        };
        if (entry.End - entry.Begin != count * elementSize || dataStart + entry.End > stream.Length)
            throw new InvalidDataException($"{path}: tensor '{name}' of shape [{string.Join(", ", entry.Shape)}] has a bad data range.");
        var bytes = new byte[entry.End - entry.Begin];
        stream.Position = dataStart + entry.Begin;
        stream.ReadExactly(bytes);
        var values = new float[count];
        if (elementSize == 4)
            for (long i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(4 * i)));
        else if (entry.DType == "BF16")
            for (long i = 0; i < count; i++)
                values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)(2 * i))) << 16);
        else
            for (long i = 0; i < count; i++)
                values[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)(2 * i))));
        return tensor(values, entry.Shape);
    }

    private static FileStream Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        return File.OpenRead(path);
    }

    private static Dictionary<string, Entry> ReadHeader(string path, Stream stream, out long dataStart)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidDataException($"{path}: not a safetensors file (shorter than its header length).");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (length == 0 || length > 100_000_000 || (long)length > stream.Length - 8)
            throw new InvalidDataException($"{path}: not a safetensors file (header length {length}).");
        var header = new byte[length];
        stream.ReadExactly(header);
        dataStart = 8 + (long)length;
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(header);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__") continue;
                var value = property.Value;
                var shape = value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || shape.Any(d => d < 0))
                    throw new InvalidDataException($"{path}: tensor '{property.Name}' has invalid shape or data offsets.");
                entries[property.Name] = new Entry(property.Name, value.GetProperty("dtype").GetString() ?? "", shape, offsets[0], offsets[1]);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed safetensors header ({e.Message}).", e);
        }
        return entries;
    }
}
