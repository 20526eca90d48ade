namespace PerceptionEncoder.Backbone;

/// <summary>
/// The released PE vision configs by name (docs PE_ARCHITECTURE §1.1, from the official <c>config.py</c>), and the
/// resolution of a <c>--config NAME|FILE.json</c> argument.
/// </summary>
public static class PeConfigs
{
    private const double GiantMlpRatio = 8960.0 / 1536.0;

    /// <summary>The twelve released vision towers, in the order of the official table.</summary>
    public static IReadOnlyList<PeConfig> Released { get; } = BuildReleased();

    /// <summary>Other names of released configs: the PE-Lang <c>-Tiling</c> checkpoints share their tower.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["PE-Lang-G14-448-Tiling"] = "PE-Lang-G14-448",
        ["PE-Lang-L14-448-Tiling"] = "PE-Lang-L14-448",
    };

    /// <summary>Every accepted name: the released configs and their aliases.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Released.Select(c => c.Name), .. Aliases.Keys];

    /// <summary>Looks a released config up by name (case-insensitive; aliases keep their own name).</summary>
    public static bool TryGet(string name, out PeConfig config)
    {
        string canonical = Aliases.TryGetValue(name, out string? target) ? target : name;
        var found = Released.FirstOrDefault(c => string.Equals(c.Name, canonical, StringComparison.OrdinalIgnoreCase));
        if (found == null)
        {
            config = null!;
            return false;
        }
        config = target != null ? found with { Name = Aliases.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) } : found;
        return true;
    }

    /// <summary>A released config by name.</summary>
    /// <exception cref="InvalidDataException">Unknown name; the message lists the known ones.</exception>
    public static PeConfig Get(string name) =>
        TryGet(name, out var config) ? config
            : throw new InvalidDataException($"unknown config \"{name}\"; the released configs are {string.Join(", ", Names)} (or give a JSON file).");

    /// <summary>
    /// Resolves a <c>--config</c> value: a released name, or a JSON file with the official argument names.
    /// </summary>
    public static PeConfig Resolve(string nameOrPath)
    {
        if (TryGet(nameOrPath, out var config)) return config;
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(nameOrPath))
            return PeConfigJson.ReadFile(nameOrPath);
        return Get(nameOrPath);
    }

    /// <summary>
    /// The released config whose name appears in a file name (<c>PE-Spatial-B16-512.pt</c>,
    /// <c>my-PE-Core-L14-336-copy.safetensors</c>), the longest name winning (<c>-Tiling</c> aliases); null if none.
    /// </summary>
    public static PeConfig? FromFileName(string path)
    {
        string file = Path.GetFileName(path);
        string? best = Names.Where(n => file.Contains(n, StringComparison.OrdinalIgnoreCase)).MaxBy(n => n.Length);
        return best == null ? null : Get(best);
    }

    /// <summary>The size letter (T, S, B, L, G) in a released name such as <c>PE-Spatial-B16-512</c>; null for others.</summary>
    public static string? SizeClass(PeConfig config)
    {
        string[] parts = config.Name.Split('-');
        return parts.Length >= 3 && parts[0] == "PE" && parts[2].Length > 1 && "TSBLG".Contains(parts[2][0]) ? parts[2][..1] : null;
    }

    private static List<PeConfig> BuildReleased()
    {
        PeConfig Core(string name, int patch, int image, int width, int layers, int heads, int outputDim, bool cls = true, double mlp = 4.0) => new()
        {
            Name = name, PatchSize = patch, ImageSize = image, Width = width, Layers = layers, Heads = heads, MlpRatio = mlp,
            UseClsToken = cls, PoolType = PoolType.Attn, OutputDim = outputDim, UseLnPost = true, LsInitValue = null,
        };
        // Lang and Spatial towers: no pooling, no projection, no ln_post.
        static PeConfig Dense(PeConfig core, string name, int image, int? layers = null, double? ls = null) => core with
        {
            Name = name, ImageSize = image, Layers = layers ?? core.Layers, LsInitValue = ls,
            PoolType = PoolType.None, OutputDim = null, UseLnPost = false,
        };

        var coreT = Core("PE-Core-T16-384", 16, 384, 192, 12, 3, 512);
        var coreS = Core("PE-Core-S16-384", 16, 384, 384, 12, 6, 512);
        var coreB = Core("PE-Core-B16-224", 16, 224, 768, 12, 12, 1024);
        var coreL = Core("PE-Core-L14-336", 14, 336, 1024, 24, 16, 1024);
        var coreG = Core("PE-Core-G14-448", 14, 448, 1536, 50, 16, 1280, cls: false, mlp: GiantMlpRatio);
        return
        [
            coreT, coreS, coreB, coreL, coreG,
            Dense(coreG, "PE-Lang-G14-448", 448, layers: 47, ls: 0.1),
            Dense(coreL, "PE-Lang-L14-448", 448, layers: 23, ls: 0.1),
            Dense(coreG, "PE-Spatial-G14-448", 448, ls: 0.1),
            Dense(coreL, "PE-Spatial-L14-448", 448),
            Dense(coreB, "PE-Spatial-B16-512", 512),
            Dense(coreS, "PE-Spatial-S16-512", 512),
            Dense(coreT, "PE-Spatial-T16-512", 512),
        ];
    }
}
