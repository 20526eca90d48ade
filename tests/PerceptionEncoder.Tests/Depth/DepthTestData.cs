using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Depth;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Depth;

/// <summary>Feature maps, targets and backbone specs made up for the depth tests.</summary>
internal static class DepthTestData
{
    public static BackboneSpec Spec(int patch = 16, int width = 32, int depth = 12, bool classToken = true) =>
        new($"test-p{patch}", "random:0", patch, width, depth, classToken, IsRandom: true);

    /// <summary>Random maps [B, C, h, w] (and class tokens [B, C]) for <paramref name="layers"/>.</summary>
    public static FeatureMaps RandomFeatures(BackboneSpec spec, IReadOnlyList<int> layers, int batch, int h, int w, long seed = 1)
    {
        var generator = new Generator((ulong)seed);
        var maps = layers.Select(_ => randn([batch, spec.Width, h, w], generator: generator)).ToList();
        var tokens = spec.HasClassToken ? layers.Select(_ => randn([batch, spec.Width], generator: generator)).ToList() : null;
        return new FeatureMaps(layers, maps, tokens);
    }

    /// <summary>One-image targets from row-major values; every value inside (0, 10) counts as valid.</summary>
    public static DepthGroundTruth Targets(float[] depth, int height, int width)
    {
        var t = tensor(depth).reshape(1, 1, height, width);
        return new DepthGroundTruth(t, t > 0);
    }

    public static Tensor Map(float[] values, int height, int width) => tensor(values).reshape(1, 1, height, width);
}
