using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Backbone.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone;

/// <summary>
/// A PE vision tower as a frozen feature extractor: loaded from an official checkpoint (or random for tests and the
/// demo), in float32 or bfloat16. <see cref="Extract"/> gives the patch maps of several blocks from one pass.
/// Thread-safe for concurrent <see cref="Extract"/> calls.
/// </summary>
public sealed class PeBackbone : IFeatureBackbone
{
    private readonly Lazy<string> _weightsId;

    private PeBackbone(VisionTransformer model, Func<string> weightsId, bool isRandom, string? checkpointPath, CheckpointReport? report)
    {
        Model = model;
        _weightsId = new Lazy<string>(weightsId, LazyThreadSafetyMode.ExecutionAndPublication);
        IsRandom = isRandom;
        CheckpointPath = checkpointPath;
        Checkpoint = report;
    }

    /// <summary>
    /// Loads a checkpoint (torch <c>.pt</c> zip or safetensors; official or timm names) strictly. The config is
    /// <paramref name="config"/>, else the released name in the file name, else inferred from the tensor shapes.
    /// <paramref name="dtype"/> is the compute dtype, <c>Float32</c> or <c>BFloat16</c> (weights converted on load).
    /// </summary>
    /// <exception cref="InvalidDataException">Unreadable or mismatched checkpoint; the message names the file and the tensors.</exception>
    public static PeBackbone Load(string checkpointPath, PeConfig? config = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var model = PeCheckpoint.Load(checkpointPath, out var report, config, dtype, device);
        string full = Path.GetFullPath(checkpointPath);
        return new PeBackbone(model, () => PeCheckpoint.Sha256(full), isRandom: false, full, report);
    }

    /// <summary>
    /// A backbone with random weights drawn from <paramref name="seed"/> the way the official constructor
    /// initialises them (embeddings width^-0.5 * N(0, 1), xavier-uniform in-projections, PyTorch's Linear/Conv
    /// defaults, zero attention biases, unit LayerNorms, LayerScale at its init value). Same seed, same weights.
    /// </summary>
    public static PeBackbone CreateRandom(PeConfig config, int seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var model = new VisionTransformer(config, dtype, device);
        RandomInit(model, seed);
        return new PeBackbone(model, () => $"random:{seed}", isRandom: true, null, null);
    }

    /// <summary>The torch module (official state_dict names).</summary>
    public VisionTransformer Model { get; }

    public PeConfig Config => Model.Config;

    /// <summary>The full path of the loaded checkpoint, or null for random weights.</summary>
    public string? CheckpointPath { get; }

    /// <summary>How the checkpoint's tensors matched, or null for random weights.</summary>
    public CheckpointReport? Checkpoint { get; }

    public string Name => Config.Name;

    /// <summary><c>sha256:&lt;hex&gt;</c> of the checkpoint file (computed on first use), or <c>random:&lt;seed&gt;</c>.</summary>
    public string WeightsId => _weightsId.Value;

    public bool IsRandom { get; }

    public int PatchSize => Config.PatchSize;

    public int Width => Config.Width;

    public int Depth => Config.Layers;

    public int ImageSize => Config.ImageSize;

    public bool HasClassToken => Config.UseClsToken;

    public Device Device => Model.Device;

    public ScalarType DType => Model.DType;

    /// <inheritdoc/>
    public IReadOnlyList<int> ResolveLayers(IEnumerable<int> layers)
    {
        var resolved = new List<int>();
        foreach (int layer in layers)
        {
            int index = Model.ResolveLayer(layer);
            if (!resolved.Contains(index)) resolved.Add(index);
        }
        if (resolved.Count == 0) throw new ArgumentException("no layer requested.");
        return resolved;
    }

    /// <summary>
    /// One pass (no gradients) up to the deepest requested block. Returns float32 maps [B, C, H/p, W/p] and, for
    /// models with a class token, float32 class tokens [B, C], per requested block (duplicates merged). The tokens
    /// are the raw residual stream (no ln_post), as <c>forward_features(layer_idx=i, strip_cls_token=True)</c>.
    /// </summary>
    /// <param name="images">[B, 3, H, W] float32 in [-1, 1] (see <see cref="PeImageTransform"/>); H, W floored to the patch.</param>
    /// <param name="layers">Block indices, 0-based, negative from the end.</param>
    public FeatureMaps Extract(Tensor images, IReadOnlyList<int> layers)
    {
        var resolved = ResolveLayers(layers);
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var tokens = Model.ForwardLayers(images, resolved, out int rows, out int columns);
        long b = images.shape[0], c = Width;
        int prefix = Config.PrefixTokens;
        var maps = tokens.Select(t => t.narrow(1, prefix, (long)rows * columns) // [B, T, C] -> [B, N, C]
            .view(b, rows, columns, c).permute(0, 3, 1, 2) // -> [B, h, w, C] -> [B, C, h, w]
            .contiguous().to(ScalarType.Float32).MoveToOuterDisposeScope()).ToList();
        List<Tensor>? classTokens = HasClassToken
            ? [.. tokens.Select(t => t.select(1, 0).to(ScalarType.Float32).clone().MoveToOuterDisposeScope())] // [B, T, C] -> [B, C]
            : null;
        return new FeatureMaps(resolved, maps, classTokens);
    }

    /// <summary>
    /// Official <c>forward_features</c> without gradients, as float32: [B, 3, H, W] -> [B, T, C] (see
    /// <see cref="VisionTransformer.ForwardFeatures"/>).
    /// </summary>
    public Tensor ForwardFeatures(Tensor images, int layerIndex = -1, bool norm = false, bool stripClassToken = false)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        return Model.ForwardFeatures(images, norm, layerIndex, stripClassToken).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Official <c>forward</c> without gradients, as float32: [B, T, C] (pool none) or [B, output_dim].</summary>
    public Tensor Forward(Tensor images)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        return Model.forward(images).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Saves the weights (see <see cref="PeCheckpoint.Save"/>): <c>.pt</c> torch zip or <c>.safetensors</c> by extension.</summary>
    public void Save(string path, CheckpointFormat? format = null, KeyStyle style = KeyStyle.Official, ScalarType? storeAs = null) =>
        PeCheckpoint.Save(Model, path, format, style, storeAs);

    public void Dispose() => Model.Dispose();

    private static void RandomInit(VisionTransformer model, int seed)
    {
        using var generator = new Generator((ulong)seed, CPU);
        using var noGrad = torch.no_grad();
        var config = model.Config;
        double embedScale = Math.Pow(config.Width, -0.5);
        foreach (var (key, parameter) in model.state_dict())
        {
            using var scope = NewDisposeScope();
            var shape = parameter.shape;
            Tensor Uniform(double bound) => torch.empty(shape, dtype: ScalarType.Float32).uniform_(-bound, bound, generator);
            Tensor value = key switch
            {
                "class_embedding" or "positional_embedding" or "proj" => torch.randn(shape, dtype: ScalarType.Float32, generator: generator) * embedScale,
                "attn_pool.probe" => torch.randn(shape, dtype: ScalarType.Float32, generator: generator),
                "conv1.weight" => Uniform(1 / Math.Sqrt(shape[1] * shape[2] * shape[3])),
                _ when key.EndsWith("in_proj_weight", StringComparison.Ordinal) => Uniform(Math.Sqrt(6.0 / (shape[0] + shape[1]))),
                _ when key.EndsWith("in_proj_bias", StringComparison.Ordinal) || key.EndsWith("attn.out_proj.bias", StringComparison.Ordinal) => torch.zeros(shape),
                _ when key.EndsWith(".gamma", StringComparison.Ordinal) => torch.full(shape, config.LsInitValue ?? 1.0),
                _ when IsLayerNorm(key) => key.EndsWith(".weight", StringComparison.Ordinal) ? torch.ones(shape) : torch.zeros(shape),
                // nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
                _ when key.EndsWith(".weight", StringComparison.Ordinal) => Uniform(1 / Math.Sqrt(shape[1])),
                _ => Uniform(1 / Math.Sqrt(FanInOfBias(model, key))),
            };
            parameter.copy_(value);
        }
    }

    private static bool IsLayerNorm(string key) =>
        key.StartsWith("ln_", StringComparison.Ordinal) || key.Contains(".ln_", StringComparison.Ordinal) || key.Contains("layernorm", StringComparison.Ordinal);

    private static long FanInOfBias(VisionTransformer model, string biasKey)
    {
        string weightKey = biasKey[..^"bias".Length] + "weight";
        return model.state_dict()[weightKey].shape[1];
    }
}
