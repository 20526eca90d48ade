namespace PerceptionEncoder.Backbone;

/// <summary>
/// The architecture of one PE vision tower, with the official constructor argument names (<c>PEConfig</c> /
/// <c>VisionTransformer.__init__</c> of <c>core/vision_encoder</c>) in JSON. Defaults are the official ones.
/// Immutable; <see cref="Validate"/> checks it, <see cref="StateDictShapes"/> gives the tensors it implies.
/// </summary>
public sealed record PeConfig
{
    /// <summary>Config name: a released one (<c>PE-Spatial-B16-512</c>) or <c>custom</c>. Not an architecture field.</summary>
    public string Name { get; init; } = "custom";

    /// <summary><c>patch_size</c>: side of the square patches (conv1 kernel and stride).</summary>
    public required int PatchSize { get; init; }

    /// <summary><c>width</c>: channels C of the residual stream.</summary>
    public required int Width { get; init; }

    /// <summary><c>layers</c>: number of transformer blocks.</summary>
    public required int Layers { get; init; }

    /// <summary><c>heads</c>: attention heads of every block.</summary>
    public required int Heads { get; init; }

    /// <summary><c>mlp_ratio</c>: MLP hidden width over <see cref="Width"/>; the hidden width is <c>int(width * mlp_ratio)</c>.</summary>
    public required double MlpRatio { get; init; }

    /// <summary><c>image_size</c>: the pretraining input size (square); any size can be fed.</summary>
    public int ImageSize { get; init; } = 448;

    /// <summary><c>use_cls_token</c>: a learned class token is prepended (and RoPE positions start at 1).</summary>
    public bool UseClsToken { get; init; }

    /// <summary><c>use_abs_posemb</c>: a learned absolute position embedding, resampled bilinearly for other grids.</summary>
    public bool UseAbsPosemb { get; init; } = true;

    /// <summary><c>use_rope2d</c>: 2-D rotary position embedding on queries and keys.</summary>
    public bool UseRope2d { get; init; } = true;

    /// <summary><c>ls_init_value</c>: LayerScale on both residual branches when set (its init value), none when null.</summary>
    public double? LsInitValue { get; init; }

    /// <summary><c>use_ln_pre</c>: LayerNorm before the first block.</summary>
    public bool UseLnPre { get; init; } = true;

    /// <summary><c>use_ln_post</c>: LayerNorm applied by <c>forward</c> (and <c>forward_features(norm=True)</c>).</summary>
    public bool UseLnPost { get; init; } = true;

    /// <summary><c>pool_type</c>: attn, tok, avg or none.</summary>
    public PoolType PoolType { get; init; } = PoolType.Attn;

    /// <summary><c>attn_pooler_heads</c>: heads of the attention pooling (pool_type attn).</summary>
    public int AttnPoolerHeads { get; init; } = 8;

    /// <summary><c>output_dim</c>: width of the final projection <c>proj</c> [C, output_dim], or null for none.</summary>
    public int? OutputDim { get; init; } = 1280;

    /// <summary>Hidden width of every block MLP: <c>int(width * mlp_ratio)</c> as Python computes it.</summary>
    public int MlpWidth => (int)(Width * MlpRatio);

    /// <summary>Channels per head: width / heads.</summary>
    public int HeadDim => Width / Heads;

    /// <summary>Side of the pretraining patch grid (image_size // patch_size), the grid of the position embedding.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Hidden width of the attention-pooling MLP (always 4x, as in the official AttentionPooling).</summary>
    public int AttnPoolMlpWidth => Width * 4;

    /// <summary>Checks the config; throws <see cref="InvalidDataException"/> naming the offending field(s) and the rule.</summary>
    public PeConfig Validate()
    {
        var errors = new List<string>();
        if (PatchSize < 1) errors.Add($"patch_size must be at least 1 (got {PatchSize})");
        if (Width < 1) errors.Add($"width must be at least 1 (got {Width})");
        if (Layers < 1) errors.Add($"layers must be at least 1 (got {Layers})");
        if (Heads < 1) errors.Add($"heads must be at least 1 (got {Heads})");
        else if (Width % Heads != 0) errors.Add($"width {Width} must be divisible by heads {Heads}");
        else if (UseRope2d && HeadDim % 4 != 0)
            errors.Add($"2-D RoPE needs a head dimension (width/heads = {HeadDim}) divisible by 4");
        if (!(MlpRatio > 0) || double.IsInfinity(MlpRatio) || MlpWidth < 1)
            errors.Add($"mlp_ratio must be positive with int(width * mlp_ratio) >= 1 (got {MlpRatio})");
        if (ImageSize < 1) errors.Add($"image_size must be at least 1 (got {ImageSize})");
        else if (UseAbsPosemb && PatchSize >= 1 && ImageSize < PatchSize)
            errors.Add($"image_size {ImageSize} is smaller than patch_size {PatchSize}: the position embedding would have no grid");
        if (LsInitValue is { } ls && !double.IsFinite(ls)) errors.Add($"ls_init_value must be a finite number or null (got {ls})");
        if (PoolType == PoolType.Attn)
        {
            if (AttnPoolerHeads < 1) errors.Add($"attn_pooler_heads must be at least 1 (got {AttnPoolerHeads})");
            else if (Width % AttnPoolerHeads != 0)
                errors.Add($"width {Width} must be divisible by attn_pooler_heads {AttnPoolerHeads}");
        }
        if (OutputDim is < 1) errors.Add($"output_dim must be at least 1 or null (got {OutputDim})");
        if (errors.Count > 0)
            throw new InvalidDataException($"config {Name}: {string.Join("; ", errors)}.");
        return this;
    }

    /// <summary>
    /// The tensors of the official <c>state_dict()</c> in its order: own parameters (class_embedding,
    /// positional_embedding, proj), conv1, ln_pre, ln_post, the blocks, attn_pool. RoPE has no tensors.
    /// </summary>
    public IReadOnlyList<(string Key, long[] Shape)> StateDictShapes()
    {
        long c = Width, h = MlpWidth;
        var shapes = new List<(string, long[])>();
        if (UseClsToken) shapes.Add(("class_embedding", [c]));
        if (UseAbsPosemb) shapes.Add(("positional_embedding", [(UseClsToken ? 1 : 0) + (long)GridSize * GridSize, c]));
        if (OutputDim is { } outDim) shapes.Add(("proj", [c, outDim]));
        shapes.Add(("conv1.weight", [c, 3, PatchSize, PatchSize]));
        if (UseLnPre) shapes.AddRange(LayerNormShapes("ln_pre", c));
        if (UseLnPost) shapes.AddRange(LayerNormShapes("ln_post", c));
        for (int i = 0; i < Layers; i++)
        {
            string p = $"transformer.resblocks.{i}.";
            shapes.Add((p + "attn.in_proj_weight", [3 * c, c]));
            shapes.Add((p + "attn.in_proj_bias", [3 * c]));
            shapes.Add((p + "attn.out_proj.weight", [c, c]));
            shapes.Add((p + "attn.out_proj.bias", [c]));
            if (LsInitValue != null)
            {
                shapes.Add((p + "ls_1.gamma", [c]));
                shapes.Add((p + "ls_2.gamma", [c]));
            }
            shapes.AddRange(LayerNormShapes(p + "ln_1", c));
            shapes.AddRange(LayerNormShapes(p + "ln_2", c));
            shapes.Add((p + "mlp.c_fc.weight", [h, c]));
            shapes.Add((p + "mlp.c_fc.bias", [h]));
            shapes.Add((p + "mlp.c_proj.weight", [c, h]));
            shapes.Add((p + "mlp.c_proj.bias", [c]));
        }
        if (PoolType == PoolType.Attn)
        {
            long ph = AttnPoolMlpWidth;
            shapes.Add(("attn_pool.probe", [1, 1, c]));
            shapes.Add(("attn_pool.attn.in_proj_weight", [3 * c, c]));
            shapes.Add(("attn_pool.attn.in_proj_bias", [3 * c]));
            shapes.Add(("attn_pool.attn.out_proj.weight", [c, c]));
            shapes.Add(("attn_pool.attn.out_proj.bias", [c]));
            shapes.AddRange(LayerNormShapes("attn_pool.layernorm", c));
            shapes.Add(("attn_pool.mlp.c_fc.weight", [ph, c]));
            shapes.Add(("attn_pool.mlp.c_fc.bias", [ph]));
            shapes.Add(("attn_pool.mlp.c_proj.weight", [c, ph]));
            shapes.Add(("attn_pool.mlp.c_proj.bias", [c]));
        }
        return shapes;
    }

    /// <summary>Number of parameters, from the shapes of <see cref="StateDictShapes"/>.</summary>
    public long ParameterCount() =>
        StateDictShapes().Sum(s => s.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>Patch grid (rows, columns) of an input of <paramref name="height"/> x <paramref name="width"/> pixels (floor division).</summary>
    public (int Rows, int Columns) Grid(int height, int width) => (height / PatchSize, width / PatchSize);

    /// <summary>Number of class tokens (0 or 1) ahead of the patch tokens.</summary>
    public int PrefixTokens => UseClsToken ? 1 : 0;

    private static IEnumerable<(string, long[])> LayerNormShapes(string name, long c) =>
        [(name + ".weight", [c]), (name + ".bias", [c])];
}
