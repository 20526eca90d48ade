using System.Buffers.Binary;
using System.Text.Json;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>
/// The safetensors format: an unsigned 64-bit little-endian header length, a UTF-8 JSON header
/// (<c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}</c>), then the
/// raw little-endian tensor bytes (offsets relative to the end of the header).
/// </summary>
public static class SafetensorsFormat
{
    private static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16, ["F64"] = ScalarType.Float64,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Whether the first bytes of a file look like a safetensors header.</summary>
    internal static bool LooksLikeSafetensors(ReadOnlySpan<byte> head, long fileLength) =>
        head.Length >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(head) is var n && n > 1 && (long)n <= fileLength - 8 && head[8] == (byte)'{';

    /// <summary>Lists the tensors of a safetensors file (data is read on demand) and its <c>__metadata__</c>.</summary>
    public static (List<StoredTensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        long fileLength = new FileInfo(path).Length;
        byte[] header;
        using (var stream = File.OpenRead(path))
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
                throw new InvalidDataException($"{path}: too short to be a safetensors file.");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
                throw new InvalidDataException($"{path}: safetensors header length {headerLength} exceeds the file ({fileLength} bytes): truncated or not a safetensors file.");
            header = new byte[headerLength];
            stream.ReadExactly(header);
        }
        long dataStart = 8 + header.Length;
        var tensors = new List<StoredTensor>();
        var metadata = new Dictionary<string, string>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid JSON ({e.Message}).", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: the safetensors header is not a JSON object.");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    if (p.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in p.Value.EnumerateObject())
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                tensors.Add(ParseEntry(path, p, dataStart, fileLength));
            }
        }
        return (tensors, metadata);
    }

    private static StoredTensor ParseEntry(string path, JsonProperty p, long dataStart, long fileLength)
    {
        string name = p.Name;
        try
        {
            string dtypeName = p.Value.GetProperty("dtype").GetString() ?? "";
            if (!DTypes.TryGetValue(dtypeName, out var dtype))
                throw new InvalidDataException($"{path}: tensor {name} has the unsupported dtype {dtypeName}.");
            long[] shape = [.. p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
            long[] offsets = [.. p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64())];
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (offsets.Length != 2 || shape.Any(s => s < 0) || offsets[1] - offsets[0] != count * StoredTensor.ElementSize(dtype) || offsets[0] < 0)
                throw new InvalidDataException($"{path}: tensor {name}: data_offsets [{string.Join(", ", offsets)}] do not match shape {StoredTensor.Describe(shape)} of {dtypeName}.");
            if (dataStart + offsets[1] > fileLength)
                throw new InvalidDataException($"{path}: tensor {name} lies beyond the end of the file (truncated file).");
            long begin = dataStart + offsets[0];
            return new StoredTensor(name, dtype, shape, () =>
            {
                var tensor = empty(shape, dtype: dtype);
                using var stream = File.OpenRead(path);
                stream.Seek(begin, SeekOrigin.Begin);
                stream.ReadExactly(tensor.bytes);
                return tensor;
            });
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed safetensors entry for tensor {name} ({e.Message}).", e);
        }
    }

    /// <summary>Writes tensors (any CPU dtype listed in the format) to <paramref name="path"/> atomically, in the given order.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        using var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in list)
            {
                long n = t.NumberOfElements * StoredTensor.ElementSize(t.dtype);
                w.WriteStartObject(name);
                w.WriteString("dtype", DTypes.First(d => d.Value == t.dtype).Key);
                w.WriteStartArray("shape");
                foreach (long s in t.shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + n);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += n;
            }
            w.WriteEndObject();
        }
        // The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            header.Position = 0;
            header.CopyTo(stream);
            foreach (var (_, t) in list)
            {
                using var contiguous = t.cpu().contiguous();
                stream.Write(contiguous.bytes);
            }
        });
    }
}
