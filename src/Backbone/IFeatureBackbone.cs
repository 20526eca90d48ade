using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone;

/// <summary>
/// A frozen feature extractor: normalised images in, the patch feature maps of chosen blocks out. Heads and the
/// feature cache see a backbone only through this interface.
/// </summary>
public interface IFeatureBackbone : IDisposable
{
    /// <summary>Config name, e.g. <c>PE-Spatial-T16-512</c>, or <c>custom</c>.</summary>
    string Name { get; }

    /// <summary>Identity of the weights: <c>sha256:&lt;hex&gt;</c> of the checkpoint file, or <c>random:&lt;seed&gt;</c>.</summary>
    string WeightsId { get; }

    /// <summary>Whether the weights are random (no checkpoint was loaded).</summary>
    bool IsRandom { get; }

    int PatchSize { get; }

    /// <summary>Channels C of every block output.</summary>
    int Width { get; }

    /// <summary>Number of transformer blocks.</summary>
    int Depth { get; }

    /// <summary>The pretraining input size (square), the default for squash-resizing.</summary>
    int ImageSize { get; }

    bool HasClassToken { get; }

    Device Device { get; }

    /// <summary>Compute dtype (float32 or bfloat16).</summary>
    ScalarType DType { get; }

    /// <summary>
    /// Turns block indices into 0-based ones: negative values count from the end (-1 = last), as Python does.
    /// Throws <see cref="ArgumentException"/> naming the index and the depth when one is out of range.
    /// </summary>
    IReadOnlyList<int> ResolveLayers(IEnumerable<int> layers);

    /// <summary>
    /// Runs the backbone (no gradients) up to the deepest requested block.
    /// </summary>
    /// <param name="images">[B, 3, H, W] float32, normalised as x = pixel/255*2-1; H, W &gt;= patch (floored to it).</param>
    /// <param name="layers">Block indices, negative from the end.</param>
    /// <returns>Per requested block, float32 maps [B, C, H/p, W/p] (class token apart), on the backbone's device.</returns>
    FeatureMaps Extract(Tensor images, IReadOnlyList<int> layers);
}

/// <summary>
/// Output of <see cref="IFeatureBackbone.Extract"/>: per block, the patch map [B, C, h, w] and the class token [B, C]
/// (models with one). Owns its tensors.
/// </summary>
public sealed class FeatureMaps : IDisposable
{
    private readonly Dictionary<int, Tensor> _maps;
    private readonly Dictionary<int, Tensor> _classTokens;

    public FeatureMaps(IReadOnlyList<int> layers, IReadOnlyList<Tensor> maps, IReadOnlyList<Tensor>? classTokens)
    {
        if (maps.Count != layers.Count || classTokens != null && classTokens.Count != layers.Count)
            throw new ArgumentException("one map (and class token) per layer is required");
        Layers = layers;
        _maps = layers.Zip(maps).ToDictionary(p => p.First, p => p.Second);
        _classTokens = classTokens == null ? [] : layers.Zip(classTokens).ToDictionary(p => p.First, p => p.Second);
    }

    /// <summary>The 0-based block indices held, in request order.</summary>
    public IReadOnlyList<int> Layers { get; }

    /// <summary>The patch map of block <paramref name="layer"/> (0-based): [B, C, h, w].</summary>
    public Tensor this[int layer] => _maps.TryGetValue(layer, out var t) ? t
        : throw new KeyNotFoundException($"layer {layer} was not extracted (have {string.Join(", ", Layers)})");

    /// <summary>The class token after block <paramref name="layer"/>: [B, C], or null for models without one.</summary>
    public Tensor? ClassToken(int layer) => _classTokens.GetValueOrDefault(layer);

    public void Dispose()
    {
        foreach (var t in _maps.Values) t.Dispose();
        foreach (var t in _classTokens.Values) t.Dispose();
    }
}
