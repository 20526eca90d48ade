using System.Text;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>How a checkpoint's tensors matched a config.</summary>
public sealed record CheckpointReport
{
    public required string Path { get; init; }
    public required CheckpointFormat Format { get; init; }
    public required KeyStyle KeyStyle { get; init; }

    /// <summary>Prefixes removed from the keys (<c>module.</c>, <c>visual.</c>), or null.</summary>
    public string? StrippedPrefix { get; init; }

    /// <summary>The wrapper key(s) the state_dict sat under (<c>state_dict</c>, <c>weights</c>), or null.</summary>
    public string? Wrapper { get; init; }

    /// <summary>Tensors of other towers dropped (the text tower of a CLIP checkpoint).</summary>
    public int DroppedOtherTowers { get; init; }

    /// <summary>Stored tensors deliberately not loaded (RoPE tables, timm's zero head bias).</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    public required PeConfig Config { get; init; }
    public required ConfigSource ConfigSource { get; init; }

    /// <summary>Number of config tensors found with the right shape.</summary>
    public int Matched { get; init; }

    /// <summary>Stored dtypes of the matched tensors, with counts.</summary>
    public IReadOnlyDictionary<ScalarType, int> StoredDTypes { get; init; } = new Dictionary<ScalarType, int>();

    public IReadOnlyList<string> Missing { get; init; } = [];
    public IReadOnlyList<string> Unexpected { get; init; } = [];

    /// <summary>Tensors present with another shape or a non-float dtype: "key: file [..], expected [..]".</summary>
    public IReadOnlyList<string> Mismatched { get; init; } = [];

    public bool IsExactMatch => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>Number of parameters matched (from the config's shapes).</summary>
    public long Parameters => Config.ParameterCount();

    /// <summary>One line per fact, for <c>pe info</c>.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"checkpoint:  {Path}");
        sb.AppendLine($"format:      {(Format == CheckpointFormat.TorchZip ? "torch zip (pickled state_dict)" : "safetensors")}, {(KeyStyle == KeyStyle.Official ? "official names" : "timm names (mapped to the official ones)")}");
        if (Wrapper != null) sb.AppendLine($"wrapper:     state_dict found under \"{Wrapper}\"");
        if (StrippedPrefix != null) sb.AppendLine($"prefixes:    removed {StrippedPrefix}{(DroppedOtherTowers > 0 ? $", {DroppedOtherTowers} tensors of other towers dropped" : "")}");
        if (Ignored.Count > 0) sb.AppendLine($"ignored:     {string.Join(", ", Ignored)}");
        sb.AppendLine($"config:      {Config.Name} ({SourceText(ConfigSource)})");
        sb.AppendLine($"dtypes:      {string.Join(", ", StoredDTypes.Select(kv => $"{kv.Value} x {DTypeName(kv.Key)}"))}");
        sb.AppendLine($"matched:     {Matched} of {Config.StateDictShapes().Count} tensors{(IsExactMatch ? " (exact match)" : "")}");
        if (Missing.Count > 0) sb.AppendLine($"missing:     {Missing.Count}: {string.Join(", ", Missing)}");
        if (Unexpected.Count > 0) sb.AppendLine($"unexpected:  {Unexpected.Count}: {string.Join(", ", Unexpected)}");
        if (Mismatched.Count > 0) sb.AppendLine($"mismatched:  {Mismatched.Count}: {string.Join("; ", Mismatched)}");
        return sb.ToString();
    }

    /// <summary>The single-line error a strict load gives for this report.</summary>
    public string MismatchMessage()
    {
        var parts = new List<string>();
        if (Missing.Count > 0) parts.Add($"{Missing.Count} missing ({Shorten(Missing, ", ")})");
        if (Unexpected.Count > 0) parts.Add($"{Unexpected.Count} unexpected ({Shorten(Unexpected, ", ")})");
        if (Mismatched.Count > 0) parts.Add($"{Mismatched.Count} mismatched ({Shorten(Mismatched, "; ")})");
        string hint = ConfigSource switch
        {
            ConfigSource.FileName => "; the config was taken from the file name, pass --config to choose another",
            ConfigSource.TensorShapes => "; the config was inferred from the tensor shapes, pass --config to choose one",
            _ => "",
        };
        return $"{Path}: the checkpoint does not match config {Config.Name}: {string.Join("; ", parts)}{hint}.";
    }

    public static string SourceText(ConfigSource source) => source switch
    {
        ConfigSource.Given => "given",
        ConfigSource.FileName => "from the file name",
        _ => "inferred from the tensor shapes",
    };

    public static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        _ => dtype.ToString().ToLowerInvariant(),
    };

    private static string Shorten(IReadOnlyList<string> items, string separator, int max = 30) =>
        items.Count <= max ? string.Join(separator, items) : string.Join(separator, items.Take(max)) + $"{separator}... and {items.Count - max} more";
}
