using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Transforms;
using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Features;

/// <summary>
/// Features computed on the fly by a frozen backbone from the batch's images (any transform, augmentation included).
/// Does not own the backbone.
/// </summary>
public sealed class OnlineFeatureSource : IFeatureSource
{
    private readonly IFeatureBackbone _backbone;
    private readonly ScalarType? _roundTo;

    /// <param name="backbone">The frozen backbone (not disposed by this source).</param>
    /// <param name="layers">Block indices, negative from the end.</param>
    /// <param name="roundTo">
    /// When set (bf16/fp16), maps are rounded through that dtype, so a head sees exactly what a cache of that dtype
    /// would give it.
    /// </param>
    public OnlineFeatureSource(IFeatureBackbone backbone, IEnumerable<int> layers, CacheDType? roundTo = null)
    {
        _backbone = backbone;
        _roundTo = roundTo?.ScalarType();
        var resolved = backbone.ResolveLayers(layers);
        Info = new FeatureSourceInfo(backbone.Name, backbone.WeightsId, backbone.IsRandom, backbone.PatchSize, backbone.Width,
            resolved, backbone.HasClassToken, ImageSize: null, backbone.Device);
    }

    public FeatureSourceInfo Info { get; }

    public bool NeedsImages => true;

    public SampleTransform? FixedTransform => null;

    public FeatureMaps GetFeatures(Batch batch)
    {
        var images = batch.Images ?? throw new InvalidOperationException(
            "the batch has no images: load it with SampleParts.Image to compute features online.");
        return Compute(images);
    }

    /// <summary>Runs the backbone on [B, 3, H, W] normalised images.</summary>
    public FeatureMaps Compute(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var input = images.to(_backbone.Device);
        using var raw = _backbone.Extract(input, Info.Layers);
        var maps = new List<Tensor>();
        var tokens = new List<Tensor>();
        foreach (int layer in raw.Layers)
        {
            maps.Add(Round(raw[layer]).MoveToOuterDisposeScope());
            if (raw.ClassToken(layer) is { } cls) tokens.Add(Round(cls).MoveToOuterDisposeScope());
        }
        return new FeatureMaps(raw.Layers, maps, tokens.Count == maps.Count && tokens.Count > 0 ? tokens : null);
    }

    private Tensor Round(Tensor t) => _roundTo is { } dtype ? t.to(dtype).to(ScalarType.Float32) : t.alias();

    /// <summary>Does not dispose the backbone, which belongs to the caller.</summary>
    public void Dispose() { }
}
