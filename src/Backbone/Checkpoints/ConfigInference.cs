using System.Text.RegularExpressions;

namespace PerceptionEncoder.Backbone.Checkpoints;

/// <summary>Where the config of a loaded checkpoint came from.</summary>
public enum ConfigSource
{
    /// <summary>Given by the caller (<c>--config</c>).</summary>
    Given,

    /// <summary>A released name found in the checkpoint's file name.</summary>
    FileName,

    /// <summary>Deduced from the tensor shapes.</summary>
    TensorShapes,
}

/// <summary>Deduces a <see cref="PeConfig"/> from a checkpoint's file name or tensor shapes.</summary>
public static partial class ConfigInference
{
    /// <summary>
    /// The released config named in the file name if any, else the config the shapes imply (see
    /// <see cref="FromShapes"/>).
    /// </summary>
    public static (PeConfig Config, ConfigSource Source) Infer(string path, IReadOnlyDictionary<string, IReadOnlyList<long>> shapes)
    {
        var named = PeConfigs.FromFileName(path);
        return named != null ? (named, ConfigSource.FileName) : (FromShapes(path, shapes), ConfigSource.TensorShapes);
    }

    /// <summary>
    /// The config implied by official-named tensor shapes: width and patch from <c>conv1.weight</c>, depth from the
    /// block count, class token from <c>class_embedding</c>, LayerScale from <c>ls_1.gamma</c>, ln_pre/ln_post from
    /// their presence, pooling and output_dim from <c>attn_pool.*</c> and <c>proj</c>, mlp_ratio from <c>c_fc</c>,
    /// image_size from the position-embedding grid. Heads cannot be seen in shapes: a released config with the same
    /// shapes gives them (and its name), otherwise width/64.
    /// </summary>
    /// <exception cref="InvalidDataException">The shapes do not describe a PE tower; the message names the file and the tensor.</exception>
    public static PeConfig FromShapes(string path, IReadOnlyDictionary<string, IReadOnlyList<long>> shapes)
    {
        if (!shapes.TryGetValue("conv1.weight", out var conv) || conv.Count != 4 || conv[1] != 3 || conv[2] != conv[3])
            throw new InvalidDataException($"{path}: cannot infer the config: no conv1.weight of shape [C, 3, p, p] (pass --config NAME|FILE.json).");
        int width = checked((int)conv[0]), patch = checked((int)conv[2]);
        var blockIndices = shapes.Keys.Select(k => BlockIndex().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).Distinct().ToList();
        if (blockIndices.Count == 0)
            throw new InvalidDataException($"{path}: cannot infer the config: no transformer.resblocks.* tensors.");
        int layers = blockIndices.Max() + 1;
        bool cls = shapes.ContainsKey("class_embedding");
        int image = 448;
        bool absPos = shapes.TryGetValue("positional_embedding", out var pos);
        if (absPos)
        {
            long patches = pos![0] - (cls ? 1 : 0);
            int grid = (int)Math.Round(Math.Sqrt(patches));
            if (pos.Count != 2 || (long)grid * grid != patches)
                throw new InvalidDataException($"{path}: cannot infer the config: positional_embedding {StoredTensor.Describe(pos)} is not a square grid{(cls ? " plus a class row" : "")}.");
            image = grid * patch;
        }
        double mlpRatio = 4.0;
        if (shapes.TryGetValue("transformer.resblocks.0.mlp.c_fc.weight", out var fc) && fc.Count == 2)
            mlpRatio = RatioFor(width, (int)fc[0]);
        bool attnPool = shapes.ContainsKey("attn_pool.probe");
        int? outputDim = shapes.TryGetValue("proj", out var proj) && proj.Count == 2 ? (int)proj[1] : null;
        var inferred = new PeConfig
        {
            PatchSize = patch, Width = width, Layers = layers, Heads = 1, MlpRatio = mlpRatio, ImageSize = image,
            UseClsToken = cls, UseAbsPosemb = absPos, UseRope2d = true,
            LsInitValue = shapes.ContainsKey("transformer.resblocks.0.ls_1.gamma") ? 0.1 : null,
            UseLnPre = shapes.ContainsKey("ln_pre.weight"), UseLnPost = shapes.ContainsKey("ln_post.weight"),
            PoolType = attnPool ? PoolType.Attn : PoolType.None, AttnPoolerHeads = 8, OutputDim = outputDim,
        };
        var released = PeConfigs.Released.FirstOrDefault(r => r with { Name = "custom", Heads = 1 } == inferred with { Name = "custom" });
        if (released != null) return released;
        int heads = width == 1536 ? 16 : width % 64 == 0 ? width / 64 : 0;
        if (heads == 0)
            throw new InvalidDataException($"{path}: cannot infer the number of heads for width {width} (not a multiple of 64); pass --config FILE.json.");
        return (inferred with { Heads = heads }).Validate();
    }

    /// <summary>The mlp_ratio whose <c>int(width * ratio)</c> is exactly <paramref name="hidden"/>.</summary>
    private static double RatioFor(int width, int hidden)
    {
        double ratio = (double)hidden / width;
        while ((int)(width * ratio) < hidden) ratio = Math.BitIncrement(ratio);
        return ratio;
    }

    [GeneratedRegex(@"^transformer\.resblocks\.(\d+)\.")]
    private static partial Regex BlockIndex();
}
