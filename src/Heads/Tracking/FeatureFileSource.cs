using PerceptionEncoder.Backbone.Checkpoints;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Precomputed features, one safetensors file per frame as <c>pe features</c> writes them: a <c>layer_&lt;i&gt;</c>
/// tensor [C, h, w]. Frames are taken in file-name order; every header is checked up front so that a bad file is
/// reported before anything is written.
/// </summary>
public sealed class FeatureFileSource : IFrameFeatureSource
{
    private readonly IReadOnlyList<string> _files;
    private readonly string _tensorName;

    /// <param name="files">The frames' feature files, in frame order.</param>
    /// <param name="layer">The block whose <c>layer_&lt;i&gt;</c> tensor to use (0-based); null: the files must hold exactly one.</param>
    public FeatureFileSource(IReadOnlyList<string> files, int? layer = null)
    {
        if (files.Count == 0) throw new ArgumentException("no feature files given.");
        _files = files;
        FrameIds = files.Select(Path.GetFileNameWithoutExtension).Select(s => s!).ToArray();
        var first = ReadHeader(files[0]);
        _tensorName = ChooseTensor(files[0], first, layer);
        long[]? shape = null;
        foreach (string file in files)
        {
            var entries = file == files[0] ? first : ReadHeader(file);
            if (!entries.TryGetValue(_tensorName, out var entry))
                throw new InvalidDataException($"{file}: no tensor '{_tensorName}' (has {string.Join(", ", entries.Keys)}).");
            if (entry.DType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
                throw new InvalidDataException($"{file}: tensor '{_tensorName}' is {entry.DType}; expected float32 (or bfloat16/float16) features.");
            if (entry.Shape.Count != 3 || entry.Shape.Any(d => d == 0))
                throw new InvalidDataException($"{file}: tensor '{_tensorName}' has shape [{string.Join(", ", entry.Shape)}]; expected [C, h, w].");
            shape ??= [.. entry.Shape];
            if (!entry.Shape.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"{file}: tensor '{_tensorName}' has shape [{string.Join(", ", entry.Shape)}] but {files[0]} has " +
                    $"[{string.Join(", ", shape)}]; all frames of a video must have the same size.");
        }
        Shape = ((int)shape![0], (int)shape[1], (int)shape[2]);
    }

    /// <summary>The <c>*.safetensors</c> files of a folder, sorted by name (ordinal).</summary>
    public static FeatureFileSource FromDirectory(string directory, int? layer = null) => new(ListFiles(directory), layer);

    /// <summary>The <c>*.safetensors</c> files of a folder sorted by name (ordinal); at least one.</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="InvalidDataException">No feature file in it.</exception>
    public static string[] ListFiles(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: feature folder not found.");
        var files = Directory.EnumerateFiles(directory, "*.safetensors")
            .Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        return files.Length > 0 ? files : throw new InvalidDataException($"{directory}: no .safetensors feature files.");
    }

    public IReadOnlyList<string> FrameIds { get; }

    /// <summary>Unknown: taken from the first mask.</summary>
    public (int Height, int Width)? OriginalSize => null;

    /// <summary>(C, h, w) of every frame.</summary>
    public (int Channels, int Height, int Width) Shape { get; }

    /// <summary>The name of the tensor read from every file.</summary>
    public string TensorName => _tensorName;

    public Tensor Features(int index)
    {
        using var stored = ReadHeader(_files[index]).TryGetValue(_tensorName, out var entry) ? entry.Load()
            : throw new InvalidDataException($"{_files[index]}: no tensor '{_tensorName}'.");
        return stored.to(ScalarType.Float32, copy: true);
    }

    public void Dispose() { }

    private static Dictionary<string, StoredTensor> ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: feature file not found.", path);
        return SafetensorsFormat.Read(path).Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    private static string ChooseTensor(string file, IReadOnlyDictionary<string, StoredTensor> entries, int? layer)
    {
        if (layer is { } l)
        {
            string name = $"layer_{l}";
            return entries.ContainsKey(name) ? name
                : throw new InvalidDataException($"{file}: no tensor '{name}' (has {string.Join(", ", entries.Keys)}).");
        }
        var layers = entries.Keys.Where(k => k.StartsWith("layer_", StringComparison.Ordinal)).ToArray();
        return layers.Length switch
        {
            1 => layers[0],
            0 => throw new InvalidDataException($"{file}: no layer_<i> tensor (has {string.Join(", ", entries.Keys)})."),
            _ => throw new InvalidDataException(
                $"{file}: holds several layers ({string.Join(", ", layers)}); choose one with --layer."),
        };
    }
}
