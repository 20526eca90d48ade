using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads.Depth.Losses;
using PerceptionEncoder.Heads.Depth.Readout;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth;

/// <summary>
/// A monocular depth head on frozen backbone features: maps [B, C, h, w] of its <see cref="Layers"/> to depth
/// [B, 1, h·p, w·p] in metres (p the patch size), trained with <see cref="DepthLoss"/>.
/// </summary>
public abstract class DepthHead : nn.Module, IDenseHead<DepthGroundTruth, Tensor>
{
    public const string TaskName = "depth";

    private readonly DepthHeadConfig _config;

    /// <param name="config">The config with everything resolved (what <see cref="Config"/> reports).</param>
    protected DepthHead(string name, DepthHeadConfig config, BackboneSpec backbone) : base(name)
    {
        _config = config;
        Backbone = backbone;
        Layers = config.Layers?.Distinct().Order().ToArray() ?? throw new ArgumentException("a resolved head config has its layers");
    }

    public string Task => TaskName;

    /// <summary>Distinct 0-based blocks read, ascending.</summary>
    public IReadOnlyList<int> Layers { get; }

    public nn.Module Module => this;

    public JsonObject Config => JsonSerializer.SerializeToNode(_config, DepthHeadJson.Options)!.AsObject();

    /// <summary>The resolved config.</summary>
    public DepthHeadConfig Settings => _config;

    public BackboneSpec Backbone { get; }

    public DepthRange Range => _config.Range;

    public int PatchSize => Backbone.PatchSize;

    /// <summary>
    /// Raw depth [B, 1, h·p, w·p] in metres: at least <see cref="DepthRange.Min"/>, not clamped above (training uses
    /// this; <see cref="Predict"/> clamps).
    /// </summary>
    public abstract Tensor Forward(FeatureMaps features);

    public HeadLoss Loss(FeatureMaps features, DepthGroundTruth targets)
    {
        using var scope = NewDisposeScope();
        var depth = Forward(features);
        var loss = DepthLoss.Compute(depth, targets, Range, _config.Loss);
        return new HeadLoss(loss.Total.MoveToOuterDisposeScope(),
            loss.Parts.ToDictionary(p => p.Key, p => p.Value.MoveToOuterDisposeScope()));
    }

    /// <summary>Depth [B, 1, h·p, w·p] in metres, clamped to <see cref="Range"/>.</summary>
    public Tensor Predict(FeatureMaps features)
    {
        using var scope = NewDisposeScope();
        return Forward(features).clamp(Range.Min, Range.Max).MoveToOuterDisposeScope();
    }

    /// <summary>Rebuilds an (untrained) head from its <see cref="Config"/> JSON.</summary>
    /// <exception cref="InvalidDataException">The JSON is not a depth head config.</exception>
    public static DepthHead FromConfig(JsonObject config, BackboneSpec backbone)
    {
        DepthHeadConfig? parsed;
        try
        {
            parsed = config.Deserialize<DepthHeadConfig>(DepthHeadJson.Options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"not a depth head config ({e.Message}): {config.ToJsonString()}", e);
        }
        return (parsed ?? throw new InvalidDataException("empty depth head config")).Create(backbone);
    }

    /// <summary>The patch map [B, C, h, w] of <paramref name="layer"/>, checked against the backbone this head was built for.</summary>
    protected Tensor MapOf(FeatureMaps features, int layer)
    {
        if (!features.Layers.Contains(layer))
            throw new InvalidDataException(
                $"the features hold layers [{string.Join(", ", features.Layers)}] but this depth head reads layer {layer}; extract or cache that layer.");
        var map = features[layer];
        if (map.dim() != 4 || map.shape[1] != Backbone.Width)
            throw new InvalidDataException(
                $"layer {layer} features are [{string.Join(", ", map.shape)}]; this head was built for [B, {Backbone.Width}, h, w] ({Backbone.Name}).");
        return map;
    }

    /// <summary>Bilinear resize (align_corners=false) of [B, K, h, w] to [B, K, height, width].</summary>
    protected static Tensor Resize(Tensor x, long height, long width, bool alignCorners = false) =>
        x.shape[2] == height && x.shape[3] == width
            ? x.alias()
            : nn.functional.interpolate(x, [height, width], mode: InterpolationMode.Bilinear, align_corners: alignCorners);

    /// <summary>The readout of <see cref="DepthHeadConfig.Output"/> on [B, K, H, W] logits.</summary>
    protected Tensor ReadoutDepth(Tensor logits) => DepthReadout.Apply(logits, _config.Output, Range);
}
