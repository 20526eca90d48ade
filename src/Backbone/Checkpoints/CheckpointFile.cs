using System.IO.Compression;
using PerceptionEncoder.Backbone.Checkpoints.Pickle;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>
/// An opened checkpoint file: its format, the tensors of its state_dict under their stored names (wrappers such as
/// <c>{"state_dict": ...}</c> removed), read on demand. Errors name the file: a legacy (pre-zip) torch file, a
/// truncated or corrupt file, a text file, a pickle with anything but tensors.
/// </summary>
public sealed class CheckpointFile : IDisposable
{
    /// <summary>Keys under which training scripts nest a state_dict; the official loader unwraps the first two.</summary>
    private static readonly string[] WrapperKeys = ["state_dict", "weights", "model", "module"];

    private readonly ZipArchive? _zip;

    private CheckpointFile(string path, CheckpointFormat format, List<StoredTensor> tensors, string? wrapper,
        IReadOnlyDictionary<string, string> metadata, ZipArchive? zip)
    {
        Path = path;
        Format = format;
        Tensors = tensors;
        Wrapper = wrapper;
        Metadata = metadata;
        _zip = zip;
    }

    public string Path { get; }

    public CheckpointFormat Format { get; }

    /// <summary>The state_dict's tensors in file order, under their stored names.</summary>
    public IReadOnlyList<StoredTensor> Tensors { get; }

    /// <summary>The wrapper key(s) the state_dict was nested under (e.g. <c>state_dict</c>), or null.</summary>
    public string? Wrapper { get; }

    /// <summary>The safetensors <c>__metadata__</c> (empty for torch files).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens a checkpoint, recognising the format by its content.</summary>
    public static CheckpointFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint file not found.", path);
        long length = new FileInfo(path).Length;
        byte[] head = new byte[16];
        int n;
        using (var s = File.OpenRead(path)) n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var span = head.AsSpan(0, n);
        if (n == 0) throw new InvalidDataException($"{path}: empty file, not a checkpoint.");
        if (span.StartsWith("PK"u8)) return OpenTorchZip(path);
        if (SafetensorsFormat.LooksLikeSafetensors(span, length))
        {
            var (tensors, metadata) = SafetensorsFormat.Read(path);
            return new CheckpointFile(path, CheckpointFormat.Safetensors, tensors, null, metadata, null);
        }
        // torch.save(..., _use_new_zipfile_serialization=False) starts with a pickled magic number 0x1950a86a20f9469cfc6c.
        if (span.Length >= 4 && span[0] == 0x80 && span[2] == 0x8a && span[3] == 0x0a)
            throw new InvalidDataException(
                $"{path}: a legacy (pre-1.6, non-zip) torch.save file, which is not supported; re-save it with a recent torch: " +
                "torch.save(torch.load(path), path) writes the zip format.");
        if (span.Length >= 8 && BitConverter.ToUInt64(span) is var headerLength && headerLength > (ulong)Math.Max(0, length - 8) && headerLength < 100_000_000 && n >= 9 && span[8] == (byte)'{')
            throw new InvalidDataException($"{path}: safetensors header of {headerLength} bytes but the file has {length}: truncated file.");
        bool text = span.ToArray().All(b => b is 9 or 10 or 13 or (>= 32 and < 127) or >= 0xc0);
        throw new InvalidDataException(text
            ? $"{path}: a text file, not a checkpoint (expected a torch .pt/.pth zip or a .safetensors file)."
            : $"{path}: not a recognised checkpoint (expected a torch .pt/.pth zip or a .safetensors file).");
    }

    private static CheckpointFile OpenTorchZip(string path)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: corrupt or truncated zip ({e.Message.TrimEnd('.')}); the checkpoint cannot be read.", e);
        }
        try
        {
            var (root, readStorage) = TorchZipReader.Open(path, zip);
            var (dict, wrapper) = Unwrap(path, root);
            var tensors = new List<StoredTensor>();
            foreach (var (key, value) in dict.Items)
            {
                if (key is not string name) throw new InvalidDataException($"{path}: a state_dict key that is not a string ({key}).");
                if (value is not TensorRecord record)
                    throw new InvalidDataException($"{path}: state_dict entry {name} is not a tensor ({Describe(value)}).");
                tensors.Add(new StoredTensor(name, record.Storage.DType, record.Shape, () => TorchZipReader.Rebuild(path, name, record, readStorage)));
            }
            return new CheckpointFile(path, CheckpointFormat.TorchZip, tensors, wrapper, new Dictionary<string, string>(), zip);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            zip.Dispose();
            throw e is InvalidDataException ide && ide.Message.StartsWith(path, StringComparison.Ordinal) ? ide
                : new InvalidDataException($"{path}: corrupt or truncated checkpoint ({e.Message.TrimEnd('.')}).", e);
        }
    }

    private static (PickleDict Dict, string? Wrapper) Unwrap(string path, object? root)
    {
        var wrappers = new List<string>();
        while (true)
        {
            if (root is not PickleDict dict)
                throw new InvalidDataException($"{path}: the pickle holds {Describe(root)}, not a state_dict (a dict of tensors).");
            if (dict.Items.Count > 0 && dict.Items.All(kv => kv.Value is TensorRecord))
                return (dict, wrappers.Count == 0 ? null : string.Join(".", wrappers));
            string? wrapper = WrapperKeys.FirstOrDefault(k => dict.Get(k) is PickleDict);
            if (wrapper == null)
            {
                if (dict.Items.Count == 0) throw new InvalidDataException($"{path}: the state_dict is empty.");
                var bad = dict.Items.First(kv => kv.Value is not TensorRecord);
                throw new InvalidDataException(
                    $"{path}: not a state_dict of tensors: entry {bad.Key} is {Describe(bad.Value)} " +
                    $"(and no {string.Join("/", WrapperKeys)} entry holds one).");
            }
            wrappers.Add(wrapper);
            root = dict.Get(wrapper);
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PickleDict => "a dict",
        TensorRecord => "a tensor",
        string s => $"the string \"{(s.Length > 40 ? s[..40] + "..." : s)}\"",
        long or double or bool => $"the number {value}",
        object?[] => "a tuple",
        List<object?> => "a list",
        _ => value.GetType().Name,
    };

    public void Dispose() => _zip?.Dispose();
}
