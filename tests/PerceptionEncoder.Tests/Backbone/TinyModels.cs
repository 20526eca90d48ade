using PerceptionEncoder.Backbone;

namespace PerceptionEncoder.Tests.Backbone;

/// <summary>Small configs that exercise every kind of tensor (class token, LayerScale, ln_post, attention pooling, proj).</summary>
internal static class TinyModels
{
    /// <summary>Core-like: class token, LayerScale, ln_post, attention pooling (4 heads) and a projection.</summary>
    public static PeConfig Full { get; } = new()
    {
        Name = "tiny-full",
        PatchSize = 8,
        Width = 32,
        Layers = 2,
        Heads = 2,
        MlpRatio = 4.0,
        ImageSize = 32,
        UseClsToken = true,
        LsInitValue = 0.1,
        UseLnPost = true,
        PoolType = PoolType.Attn,
        AttnPoolerHeads = 4,
        OutputDim = 16,
    };

    /// <summary>Spatial-like: class token, no pooling, no projection, no ln_post.</summary>
    public static PeConfig Spatial { get; } = new()
    {
        Name = "tiny-spatial",
        PatchSize = 8,
        Width = 32,
        Layers = 3,
        Heads = 2,
        MlpRatio = 4.0,
        ImageSize = 32,
        UseClsToken = true,
        UseLnPost = false,
        PoolType = PoolType.None,
        OutputDim = null,
    };

    /// <summary>A PE-Spatial-like config (no pooling, projection or ln_post) of the given small size, for tests that need a backbone.</summary>
    public static PeConfig SpatialLike(string name, int patchSize, int width, int layers, int heads, int imageSize, double mlpRatio, bool classToken = true) => new()
    {
        Name = name,
        PatchSize = patchSize,
        Width = width,
        Layers = layers,
        Heads = heads,
        MlpRatio = mlpRatio,
        ImageSize = imageSize,
        UseClsToken = classToken,
        UseLnPost = false,
        PoolType = PoolType.None,
        OutputDim = null,
    };
}
