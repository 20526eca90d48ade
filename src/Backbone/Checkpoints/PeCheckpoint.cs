using System.Security.Cryptography;
using PerceptionEncoder.Backbone.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>
/// Reads and writes PE checkpoints: official <c>.pt</c> zips (bare, <c>module.</c>/<c>visual.</c>-prefixed, or
/// wrapped in <c>state_dict</c>/<c>weights</c>) and safetensors with official or timm names; float32, float16 and
/// bfloat16 storage. Loading is strict: one error lists every missing, unexpected and mis-shaped tensor.
/// </summary>
public static class PeCheckpoint
{
    private static readonly HashSet<ScalarType> FloatTypes = [ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64];

    /// <summary>
    /// Matches a checkpoint against <paramref name="config"/> (or the config inferred from its file name or shapes)
    /// without reading tensor data.
    /// </summary>
    public static CheckpointReport Inspect(string path, PeConfig? config = null)
    {
        using var file = CheckpointFile.Open(path);
        return Match(file, CheckpointKeys.Normalize(file), config);
    }

    /// <summary>
    /// Builds the model of the checkpoint's config (given, else inferred) in <paramref name="dtype"/> on
    /// <paramref name="device"/> and loads the weights strictly.
    /// </summary>
    /// <exception cref="InvalidDataException">Unreadable file, or tensors that do not match; the message names the file and every offending tensor.</exception>
    public static VisionTransformer Load(string path, out CheckpointReport report, PeConfig? config = null,
        ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var file = CheckpointFile.Open(path);
        var keys = CheckpointKeys.Normalize(file);
        report = Match(file, keys, config);
        if (!report.IsExactMatch) throw new InvalidDataException(report.MismatchMessage());
        var model = new VisionTransformer(report.Config, dtype, device);
        try
        {
            CopyWeights(model, keys, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Loads a checkpoint into an existing model (strict, against the model's config).</summary>
    public static CheckpointReport LoadInto(VisionTransformer model, string path)
    {
        using var file = CheckpointFile.Open(path);
        var keys = CheckpointKeys.Normalize(file);
        var report = Match(file, keys, model.Config);
        if (!report.IsExactMatch) throw new InvalidDataException(report.MismatchMessage());
        CopyWeights(model, keys, path);
        return report;
    }

    /// <summary>
    /// Writes the model's state_dict: a torch zip (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>) or safetensors
    /// (<c>.safetensors</c>) by extension unless <paramref name="format"/> is given; official or timm names;
    /// stored as <paramref name="storeAs"/> (default: the model dtype); optionally nested under a wrapper key
    /// (torch zip only) or prefixed (e.g. <c>module.</c>, <c>visual.</c>).
    /// </summary>
    public static void Save(VisionTransformer model, string path, CheckpointFormat? format = null, KeyStyle style = KeyStyle.Official,
        ScalarType? storeAs = null, string? wrapper = null, string prefix = "")
    {
        using var scope = NewDisposeScope();
        IEnumerable<KeyValuePair<string, Tensor>> tensors = model.state_dict()
            .Select(kv => new KeyValuePair<string, Tensor>(kv.Key, storeAs is { } dt ? kv.Value.detach().to(dt) : kv.Value.detach()));
        if (style == KeyStyle.Timm) tensors = CheckpointKeys.ToTimm(tensors);
        var list = tensors.Select(kv => new KeyValuePair<string, Tensor>(prefix + kv.Key, kv.Value)).ToList();
        format ??= path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? CheckpointFormat.Safetensors : CheckpointFormat.TorchZip;
        if (format == CheckpointFormat.Safetensors)
        {
            if (wrapper != null) throw new ArgumentException("safetensors files cannot nest a state_dict under a wrapper key.", nameof(wrapper));
            SafetensorsFormat.Write(path, list, new Dictionary<string, string> { ["format"] = "pt", ["config"] = model.Config.Name });
        }
        else TorchZipWriter.Write(path, list, wrapper);
    }

    /// <summary>The identity of a checkpoint file: <c>sha256:&lt;hex&gt;</c> of its bytes.</summary>
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static CheckpointReport Match(CheckpointFile file, CheckpointKeys keys, PeConfig? config)
    {
        var shapes = keys.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        ConfigSource source = ConfigSource.Given;
        if (config == null) (config, source) = ConfigInference.Infer(file.Path, shapes);
        config.Validate();
        var expected = config.StateDictShapes();
        var expectedKeys = expected.Select(e => e.Key).ToHashSet();
        var missing = new List<string>();
        var mismatched = new List<string>();
        var dtypes = new Dictionary<ScalarType, int>();
        int matched = 0;
        foreach (var (key, shape) in expected)
        {
            if (!keys.Tensors.TryGetValue(key, out var stored))
            {
                missing.Add(key);
                continue;
            }
            if (!stored.Shape.SequenceEqual(shape))
                mismatched.Add($"{key}: file {StoredTensor.Describe(stored.Shape)}, expected {StoredTensor.Describe(shape)}");
            else if (!FloatTypes.Contains(stored.DType))
                mismatched.Add($"{key}: stored as {CheckpointReport.DTypeName(stored.DType)}, a floating-point tensor expected");
            else
            {
                matched++;
                dtypes[stored.DType] = dtypes.GetValueOrDefault(stored.DType) + 1;
            }
        }
        var unexpected = keys.Tensors.Keys.Where(k => !expectedKeys.Contains(k)).ToList();
        return new CheckpointReport
        {
            Path = file.Path, Format = file.Format, KeyStyle = keys.Style, StrippedPrefix = keys.StrippedPrefix, Wrapper = file.Wrapper,
            DroppedOtherTowers = keys.DroppedOtherTowers, Ignored = keys.Ignored, Config = config, ConfigSource = source,
            Matched = matched, StoredDTypes = dtypes, Missing = missing, Unexpected = unexpected, Mismatched = mismatched,
        };
    }

    private static void CopyWeights(VisionTransformer model, CheckpointKeys keys, string path)
    {
        using var noGrad = torch.no_grad();
        foreach (var (key, parameter) in model.state_dict())
        {
            using var scope = NewDisposeScope();
            var stored = keys.Tensors[key];
            try
            {
                using var value = stored.Load();
                parameter.copy_(value);
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                throw new InvalidDataException($"{path}: tensor {stored.Name} could not be read ({e.Message}).", e);
            }
        }
    }
}
