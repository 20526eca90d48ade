using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Backbone.Model;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe info [--checkpoint FILE] [--config NAME|FILE.json] [--json]</c>: a config's architecture and parameter
/// count, how a checkpoint's tensors match it, or (without arguments) the table of released configs.
/// </summary>
internal static class InfoCommand
{
    internal static Command Create()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint (.pt torch zip or .safetensors) to inspect." };
        var config = new Option<string?>("--config") { Description = "A released config name (PE-Spatial-B16-512, ...) or a JSON file with the official argument names." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("info", "Architecture and parameter count of a PE config; how a checkpoint matches it; without arguments, the released configs.")
        {
            checkpoint, config, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            string? checkpointPath = parse.GetValue(checkpoint);
            string? configArg = parse.GetValue(config);
            bool asJson = parse.GetValue(json);
            PeConfig? given = configArg == null ? null : PeConfigs.Resolve(configArg);
            if (checkpointPath == null && given == null)
            {
                output.Write(asJson ? ReleasedJson() : ReleasedTable());
                return 0;
            }
            CheckpointReport? report = checkpointPath == null ? null : PeCheckpoint.Inspect(checkpointPath, given);
            var resolved = report?.Config ?? given!;
            if (asJson) output.WriteLine(ConfigJson(resolved, report));
            else
            {
                output.Write(Architecture(resolved));
                if (report != null)
                {
                    output.WriteLine();
                    output.Write(report.Describe());
                }
            }
            if (report is { IsExactMatch: false }) throw new InvalidDataException(report.MismatchMessage());
            return 0;
        });
        return command;
    }

    internal static string Architecture(PeConfig c)
    {
        static string YesNo(bool b) => b ? "yes" : "no";
        var lines = new List<(string, string)>
        {
            ("name", c.Name),
            ("patch_size", $"{c.PatchSize}"),
            ("image_size", $"{c.ImageSize} (pretraining grid {c.GridSize}x{c.GridSize})"),
            ("width", $"{c.Width}"),
            ("layers", $"{c.Layers}"),
            ("heads", $"{c.Heads} (head dim {c.HeadDim})"),
            ("mlp", $"{c.MlpWidth} hidden (mlp_ratio {c.MlpRatio.ToString("R", CultureInfo.InvariantCulture)})"),
            ("class token", YesNo(c.UseClsToken)),
            ("position", $"abs pos-emb {YesNo(c.UseAbsPosemb)}, 2-D RoPE {YesNo(c.UseRope2d)}"),
            ("layer scale", c.LsInitValue is { } ls ? ls.ToString(CultureInfo.InvariantCulture) : "none"),
            ("ln_pre/ln_post", $"{YesNo(c.UseLnPre)}/{YesNo(c.UseLnPost)}"),
            ("pool", c.PoolType == PoolType.Attn ? $"attn ({c.AttnPoolerHeads} heads)" : PeConfigJson.PoolName(c.PoolType)),
            ("output_dim", c.OutputDim?.ToString(CultureInfo.InvariantCulture) ?? "none"),
            ("parameters", $"{c.ParameterCount().ToString("N0", CultureInfo.InvariantCulture)} ({Billions(c.ParameterCount())})"),
            ("bf16 attention", Bf16Attention(c.HeadDim)),
        };
        return string.Concat(lines.Select(l => $"{l.Item1 + ":",-16}{l.Item2}\n"));
    }

    /// <summary>Which kernel bf16 inference on this machine's CPU would use for attention, and why.</summary>
    private static string Bf16Attention(int headDim) =>
        NativeAttention.Unavailable is { } why ? $"libtorch matmuls (the native kernel is off: {why})"
        : NativeAttention.HeadSizes.Contains(headDim) ? "native kernel (AVX512_BF16)"
        : $"libtorch matmuls (the native kernel takes head sizes {string.Join(", ", NativeAttention.HeadSizes)}, not {headDim})";

    private static string ReleasedTable()
    {
        var rows = PeConfigs.Released.Select(c => new[]
        {
            c.Name, $"{c.PatchSize}", $"{c.ImageSize}", $"{c.Width}", $"{c.Layers}", $"{c.Heads}", $"{c.MlpWidth}",
            c.UseClsToken ? "yes" : "no", c.LsInitValue?.ToString(CultureInfo.InvariantCulture) ?? "-", c.UseLnPost ? "yes" : "no",
            PeConfigJson.PoolName(c.PoolType), c.OutputDim?.ToString(CultureInfo.InvariantCulture) ?? "-",
            c.ParameterCount().ToString("N0", CultureInfo.InvariantCulture),
        }).ToList();
        string[] header = ["name", "patch", "image", "width", "layers", "heads", "mlp", "cls", "ls", "ln_post", "pool", "proj", "parameters"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd() + "\n";
        var text = Line(header) + string.Concat(rows.Select(Line));
        text += $"(PE-Lang -Tiling checkpoints: {string.Join(", ", PeConfigs.Aliases.Keys)} share their tower.)\n";
        // The README quotes one size per letter; those are the PE-Core towers (with pooling and projection).
        var bySize = PeConfigs.Released.Where(c => c.Name.StartsWith("PE-Core-", StringComparison.Ordinal))
            .Select(c => $"{PeConfigs.SizeClass(c)} {Billions(c.ParameterCount())}");
        text += $"parameters by size (PE-Core): {string.Join(", ", bySize)}\n";
        return text;
    }

    private static string ReleasedJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("configs");
            foreach (var c in PeConfigs.Released) WriteConfig(w, c);
            w.WriteEndArray();
            w.WriteStartObject("aliases");
            foreach (var (alias, target) in PeConfigs.Aliases) w.WriteString(alias, target);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string ConfigJson(PeConfig config, CheckpointReport? report)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            WriteConfig(w, config, report);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteConfig(Utf8JsonWriter w, PeConfig c, CheckpointReport? report = null)
    {
        w.WriteStartObject();
        w.WriteString("name", c.Name);
        PeConfigJson.WriteProperties(w, c);
        w.WriteNumber("parameters", c.ParameterCount());
        w.WriteNumber("head_dim", c.HeadDim);
        w.WriteNumber("mlp_width", c.MlpWidth);
        if (report != null)
        {
            w.WriteStartObject("checkpoint");
            w.WriteString("path", report.Path);
            w.WriteString("format", report.Format == CheckpointFormat.TorchZip ? "torch_zip" : "safetensors");
            w.WriteString("key_style", report.KeyStyle == KeyStyle.Official ? "official" : "timm");
            if (report.Wrapper != null) w.WriteString("wrapper", report.Wrapper); else w.WriteNull("wrapper");
            if (report.StrippedPrefix != null) w.WriteString("stripped_prefix", report.StrippedPrefix); else w.WriteNull("stripped_prefix");
            w.WriteNumber("dropped_other_towers", report.DroppedOtherTowers);
            w.WriteString("config_source", report.ConfigSource switch { ConfigSource.Given => "given", ConfigSource.FileName => "file_name", _ => "tensor_shapes" });
            w.WriteStartObject("stored_dtypes");
            foreach (var (dtype, count) in report.StoredDTypes) w.WriteNumber(CheckpointReport.DTypeName(dtype), count);
            w.WriteEndObject();
            w.WriteNumber("matched", report.Matched);
            w.WriteBoolean("exact_match", report.IsExactMatch);
            WriteList(w, "missing", report.Missing);
            WriteList(w, "unexpected", report.Unexpected);
            WriteList(w, "mismatched", report.Mismatched);
            WriteList(w, "ignored", report.Ignored);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter w, string name, IEnumerable<string> items)
    {
        w.WriteStartArray(name);
        foreach (string item in items) w.WriteStringValue(item);
        w.WriteEndArray();
    }

    private static string Billions(long parameters) => (parameters / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + "B";
}
