using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// The PE vision tower (official <c>VisionTransformer</c> of <c>core/vision_encoder/pe.py</c>) for any
/// <see cref="PeConfig"/>. Its <c>state_dict()</c> keys and shapes are the official ones
/// (<see cref="PeConfig.StateDictShapes"/>). Parameters never require gradients: this is a frozen feature extractor.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter? class_embedding;
    private readonly Parameter? positional_embedding;
    private readonly Parameter? proj;
    private readonly Conv2d conv1;
    private readonly LayerNorm? ln_pre;
    private readonly LayerNorm? ln_post;
    private readonly Transformer transformer;
    private readonly AttentionPooling? attn_pool;
    private readonly Rope2D? _rope;

    /// <summary>Builds the module with uninitialised weights of <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public VisionTransformer(PeConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(VisionTransformer))
    {
        config.Validate();
        MallocTuning.Apply();
        NnpackSwitch.Disable();
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
            throw new ArgumentException($"unsupported compute dtype {dtype}; use float32 or bfloat16.", nameof(dtype));
        Config = config;
        DType = dtype;
        Device = device ?? CPU;
        long c = config.Width;
        // Own parameters first, as the official state_dict lists them.
        if (config.UseClsToken)
            register_parameter(nameof(class_embedding), class_embedding = NewParameter([c]));
        if (config.UseAbsPosemb)
            register_parameter(nameof(positional_embedding), positional_embedding = NewParameter([config.PrefixTokens + (long)config.GridSize * config.GridSize, c]));
        if (config.OutputDim is { } outputDim)
            register_parameter(nameof(proj), proj = NewParameter([c, outputDim]));
        conv1 = nn.Conv2d(3, c, config.PatchSize, stride: config.PatchSize, bias: false, device: device, dtype: dtype);
        register_module(nameof(conv1), conv1);
        if (config.UseLnPre) register_module(nameof(ln_pre), ln_pre = nn.LayerNorm(c, eps: 1e-5, device: device, dtype: dtype));
        if (config.UseLnPost) register_module(nameof(ln_post), ln_post = nn.LayerNorm(c, eps: 1e-5, device: device, dtype: dtype));
        transformer = new Transformer(config, dtype, device);
        register_module(nameof(transformer), transformer);
        if (config.PoolType == PoolType.Attn)
            register_module(nameof(attn_pool), attn_pool = new AttentionPooling(config, dtype, device));
        if (config.UseRope2d) _rope = new Rope2D(config.HeadDim, config.UseClsToken);
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    public PeConfig Config { get; }

    /// <summary>Dtype of the weights and of the computation (RoPE always runs in float32).</summary>
    public ScalarType DType { get; }

    public Device Device { get; }

    /// <summary>The blocks, 0-based.</summary>
    public IReadOnlyList<ResidualAttentionBlock> Blocks => transformer.Blocks;

    /// <summary>How every block computes attention (default <see cref="AttentionKernel.Auto"/>).</summary>
    public AttentionKernel AttentionKernel
    {
        get => Blocks[0].Attention.Kernel;
        set
        {
            foreach (var block in Blocks) block.Attention.Kernel = value;
        }
    }

    /// <summary>The 2-D RoPE of the blocks, or null when <c>use_rope2d</c> is off.</summary>
    public Rope2D? Rope => _rope;

    /// <summary>
    /// conv1 (stride p, no bias) and flattening: [B, 3, H, W] -> [B, N, C] with N = (H/p)*(W/p) row-major (trailing
    /// pixels that do not fill a patch are dropped). The input is cast to the model dtype and device.
    /// </summary>
    public Tensor PatchEmbed(Tensor images)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        var x = conv1.forward(images.to(DType, Device)); // [B, C, h, w]
        return x.permute(0, 2, 3, 1).flatten(1, 2).MoveToOuterDisposeScope(); // [B, h, w, C] -> [B, N, C]
    }

    /// <summary>
    /// The absolute position embedding for a <paramref name="rows"/> x <paramref name="columns"/> grid: [T, C]
    /// (official <c>_sample_abs_posemb</c> without its batch dim). The patch part is resampled bilinearly
    /// (align_corners false, no antialias, in float32) when the grid differs from the pretraining grid; the class row
    /// is kept as is.
    /// </summary>
    public Tensor SampleAbsPosemb(int rows, int columns)
    {
        if (positional_embedding is null) throw new InvalidOperationException("this config has no absolute position embedding (use_abs_posemb false).");
        int g = Config.GridSize;
        if (rows == g && columns == g) return positional_embedding.alias();
        using var scope = NewDisposeScope();
        int prefix = Config.PrefixTokens;
        long c = Config.Width;
        var grid = positional_embedding.narrow(0, prefix, (long)g * g).to(ScalarType.Float32)
            .reshape(1, g, g, c).permute(0, 3, 1, 2); // [G*G, C] -> [1, G, G, C] -> [1, C, G, G]
        var resampled = nn.functional.interpolate(grid, size: [rows, columns], mode: InterpolationMode.Bilinear, align_corners: false)
            .permute(0, 2, 3, 1).reshape((long)rows * columns, c).to(DType); // [1, C, h, w] -> [1, h, w, C] -> [h*w, C]
        var sampled = prefix == 0 ? resampled : torch.cat([positional_embedding.narrow(0, 0, prefix), resampled], dim: 0); // [T, C]
        return sampled.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Everything before the first block: patch embedding, class token, position embedding, ln_pre.
    /// [B, 3, H, W] -> [B, T, C], T = cls + (H/p)*(W/p); <paramref name="rows"/> x <paramref name="columns"/> is the patch grid.
    /// </summary>
    public Tensor Embed(Tensor images, out int rows, out int columns)
    {
        (rows, columns) = Config.Grid((int)images.shape[2], (int)images.shape[3]);
        using var scope = NewDisposeScope();
        var x = PatchEmbed(images); // [B, N, C]
        long b = x.shape[0];
        if (class_embedding is not null)
            x = torch.cat([class_embedding.view(1, 1, -1).expand(b, -1, -1), x], dim: 1); // [B, 1 + N, C]
        if (positional_embedding is not null)
            x = x + SampleAbsPosemb(rows, columns); // [B, T, C] + [T, C]
        if (ln_pre is not null) x = ln_pre.forward(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The RoPE rotation of a grid on this model's device (cached; do not dispose), or null without RoPE.</summary>
    public Tensor? RopeRotation(int rows, int columns) => _rope?.Rotation(rows, columns, Device);

    /// <summary>
    /// One pass that stops after the deepest of <paramref name="layers"/> (0-based, already resolved) and returns the
    /// residual stream after each of them, in the order asked: [B, T, C] each, model dtype, no final norm.
    /// </summary>
    public Tensor[] ForwardLayers(Tensor images, IReadOnlyList<int> layers, out int rows, out int columns)
    {
        foreach (int layer in layers)
            if (layer < 0 || layer >= Config.Layers)
                throw new ArgumentOutOfRangeException(nameof(layers), $"block index {layer} is outside 0..{Config.Layers - 1}.");
        using var scope = NewDisposeScope();
        var x = Embed(images, out rows, out columns);
        var rotation = RopeRotation(rows, columns);
        var outputs = new Tensor[layers.Count];
        int deepest = layers.Count == 0 ? -1 : layers.Max();
        for (int i = 0; i <= deepest; i++)
        {
            x = Blocks[i].Forward(x, rotation);
            for (int j = 0; j < layers.Count; j++)
                if (layers[j] == i) outputs[j] = x;
        }
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs;
    }

    /// <summary>
    /// Official <c>forward_features</c>: the residual stream after block <paramref name="layerIndex"/> (0-based,
    /// inclusive; negative counts from the end, -1 = last), with ln_post when <paramref name="norm"/>, without the
    /// class token when <paramref name="stripClassToken"/>. [B, 3, H, W] -> [B, T, C] (T without cls if stripped).
    /// Unlike Python's modulo, an index outside -L..L-1 is an error.
    /// </summary>
    public Tensor ForwardFeatures(Tensor images, bool norm = false, int layerIndex = -1, bool stripClassToken = false)
    {
        int layer = ResolveLayer(layerIndex);
        using var scope = NewDisposeScope();
        var x = ForwardLayers(images, [layer], out _, out _)[0];
        if (norm && ln_post is not null) x = ln_post.forward(x);
        if (stripClassToken && Config.UseClsToken) x = x.narrow(1, 1, x.shape[1] - 1); // [B, T, C] -> [B, N, C]
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Official <c>_pool</c> then <c>@ proj</c> on normed tokens [B, T, C]: none -> [B, T, C(out)], attn/tok/avg -> [B, C(out)].
    /// </summary>
    public Tensor Head(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var x = Config.PoolType switch
        {
            PoolType.Attn => attn_pool!.forward(tokens).squeeze(1), // [B, 1, C] -> [B, C]
            PoolType.Tok => tokens.select(1, 0), // [B, C]
            PoolType.Avg => tokens.mean([1]), // [B, C]
            _ => tokens,
        };
        if (proj is not null) x = x.matmul(proj); // [..., C] @ [C, out] -> [..., out]
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The attention pooling output before squeeze and projection: [B, T, C] (normed tokens) -> [B, 1, C].</summary>
    public Tensor AttentionPool(Tensor tokens) =>
        (attn_pool ?? throw new InvalidOperationException("this config has no attention pooling (pool_type is not attn).")).forward(tokens);

    /// <summary>Official <c>forward</c>: forward_features(norm=True) -> pool -> proj. See <see cref="Head"/> for shapes.</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Head(ForwardFeatures(images, norm: true)).MoveToOuterDisposeScope();
    }

    /// <summary>Turns a block index into a 0-based one (negative from the end); throws when outside -L..L-1.</summary>
    public int ResolveLayer(int layer)
    {
        int depth = Config.Layers;
        if (layer < -depth || layer >= depth)
            throw new ArgumentException($"layer {layer} is out of range for a model of {depth} blocks (use 0..{depth - 1}, or -{depth}..-1 from the end).");
        return layer < 0 ? layer + depth : layer;
    }

    private void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"images must be [B, 3, H, W]; got [{string.Join(", ", images.shape)}].");
        if (images.shape[2] < Config.PatchSize || images.shape[3] < Config.PatchSize)
            throw new ArgumentException($"images of {images.shape[2]}x{images.shape[3]} are smaller than one {Config.PatchSize}x{Config.PatchSize} patch.");
    }

    private Parameter NewParameter(long[] shape) =>
        new(torch.zeros(shape, dtype: DType, device: Device), requires_grad: false);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope?.Dispose();
        base.Dispose(disposing);
    }
}
