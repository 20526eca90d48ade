using System.Globalization;
using System.Text.Json;

namespace PerceptionEncoder.Backbone;

/// <summary>
/// <see cref="PeConfig"/> in JSON with the official constructor argument names (<c>patch_size</c>, <c>width</c>, ...).
/// Unknown keys are refused (a typo must not silently fall back to a default).
/// </summary>
public static class PeConfigJson
{
    /// <summary>The official argument names, in the order they are written.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "patch_size", "width", "layers", "heads", "mlp_ratio", "image_size", "use_cls_token", "use_abs_posemb",
        "use_rope2d", "ls_init_value", "use_ln_pre", "use_ln_post", "pool_type", "attn_pooler_heads", "output_dim",
    ];

    // Accepted and ignored: drop_path (training only); pretrain_image_size is the older spelling of image_size.
    private static readonly HashSet<string> Accepted = [.. Keys, "name", "drop_path", "pretrain_image_size"];

    /// <summary>Reads and validates a config file.</summary>
    /// <exception cref="InvalidDataException">Not JSON, an unknown key, a value of the wrong type, or an invalid config; the message names the file and key.</exception>
    public static PeConfig ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config file not found.", path);
        return Parse(File.ReadAllText(path), path, Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>Parses a config from JSON text; <paramref name="source"/> names it in errors.</summary>
    public static PeConfig Parse(string json, string source = "config", string defaultName = "custom")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: a config must be a JSON object with the keys {string.Join(", ", Keys)}.");
            var values = new Dictionary<string, JsonElement>();
            foreach (var p in root.EnumerateObject())
            {
                if (!Accepted.Contains(p.Name))
                    throw new InvalidDataException($"{source}: unknown key \"{p.Name}\"; the config keys are {string.Join(", ", Keys)}.");
                values[p.Name] = p.Value;
            }
            var reader = new Reader(source, values);
            foreach (string required in new[] { "patch_size", "width", "layers", "heads", "mlp_ratio" })
                if (!values.ContainsKey(required))
                    throw new InvalidDataException($"{source}: the required key \"{required}\" is missing.");
            int? pretrain = reader.OptionalInt("pretrain_image_size");
            int? image = reader.OptionalInt("image_size");
            if (pretrain != null && image != null && pretrain != image)
                throw new InvalidDataException($"{source}: image_size {image} and pretrain_image_size {pretrain} disagree.");
            var config = new PeConfig
            {
                Name = reader.OptionalString("name") ?? defaultName,
                PatchSize = reader.Int("patch_size"),
                Width = reader.Int("width"),
                Layers = reader.Int("layers"),
                Heads = reader.Int("heads"),
                MlpRatio = reader.Double("mlp_ratio"),
                ImageSize = image ?? pretrain ?? 448,
                UseClsToken = reader.Bool("use_cls_token", false),
                UseAbsPosemb = reader.Bool("use_abs_posemb", true),
                UseRope2d = reader.Bool("use_rope2d", true),
                LsInitValue = reader.OptionalDouble("ls_init_value"),
                UseLnPre = reader.Bool("use_ln_pre", true),
                UseLnPost = reader.Bool("use_ln_post", true),
                PoolType = reader.Pool("pool_type"),
                AttnPoolerHeads = reader.OptionalInt("attn_pooler_heads") ?? 8,
                OutputDim = values.ContainsKey("output_dim") ? reader.OptionalInt("output_dim") : 1280,
            };
            reader.OptionalDouble("drop_path");
            try
            {
                return config.Validate();
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{source}: {e.Message}", e);
            }
        }
    }

    /// <summary>Writes the official keys of <paramref name="config"/> as properties of the current JSON object.</summary>
    public static void WriteProperties(Utf8JsonWriter w, PeConfig config)
    {
        w.WriteNumber("patch_size", config.PatchSize);
        w.WriteNumber("width", config.Width);
        w.WriteNumber("layers", config.Layers);
        w.WriteNumber("heads", config.Heads);
        w.WriteNumber("mlp_ratio", config.MlpRatio);
        w.WriteNumber("image_size", config.ImageSize);
        w.WriteBoolean("use_cls_token", config.UseClsToken);
        w.WriteBoolean("use_abs_posemb", config.UseAbsPosemb);
        w.WriteBoolean("use_rope2d", config.UseRope2d);
        if (config.LsInitValue is { } ls) w.WriteNumber("ls_init_value", ls); else w.WriteNull("ls_init_value");
        w.WriteBoolean("use_ln_pre", config.UseLnPre);
        w.WriteBoolean("use_ln_post", config.UseLnPost);
        w.WriteString("pool_type", PoolName(config.PoolType));
        w.WriteNumber("attn_pooler_heads", config.AttnPoolerHeads);
        if (config.OutputDim is { } od) w.WriteNumber("output_dim", od); else w.WriteNull("output_dim");
    }

    /// <summary>The config as an indented JSON object of the official keys (plus <c>name</c>).</summary>
    public static string Serialize(PeConfig config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", config.Name);
            WriteProperties(w, config);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The official spelling of a pool type: attn, tok, avg, none.</summary>
    public static string PoolName(PoolType pool) => pool switch
    {
        PoolType.Attn => "attn",
        PoolType.Tok => "tok",
        PoolType.Avg => "avg",
        _ => "none",
    };

    private sealed class Reader(string source, Dictionary<string, JsonElement> values)
    {
        public int Int(string key) => OptionalInt(key) ?? throw Error(key, "an integer", values[key]);

        public int? OptionalInt(string key)
        {
            if (!values.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
            // 16.0 is accepted as 16 (Python configs sometimes carry floats).
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
                return (int)d;
            throw Error(key, "an integer", v);
        }

        public double Double(string key) => OptionalDouble(key) ?? throw Error(key, "a number", values[key]);

        public double? OptionalDouble(string key)
        {
            if (!values.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
            throw Error(key, "a number or null", v);
        }

        public bool Bool(string key, bool fallback)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error(key, "true or false", v),
            };
        }

        public string? OptionalString(string key)
        {
            if (!values.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Error(key, "a string", v);
        }

        public PoolType Pool(string key)
        {
            string? s = OptionalString(key);
            return s switch
            {
                null or "attn" => PoolType.Attn,
                "tok" => PoolType.Tok,
                "avg" => PoolType.Avg,
                "none" => PoolType.None,
                _ => throw new InvalidDataException($"{source}: \"{key}\" must be one of attn, tok, avg, none (got \"{s}\")."),
            };
        }

        private InvalidDataException Error(string key, string expected, JsonElement got) =>
            new($"{source}: \"{key}\" must be {expected} (got {Describe(got)}).");

        private static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => $"\"{e.GetString()}\"",
            JsonValueKind.Number => e.GetRawText(),
            _ => e.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture),
        };
    }
}
