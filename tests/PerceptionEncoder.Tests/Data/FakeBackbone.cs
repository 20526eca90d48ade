using PerceptionEncoder.Backbone;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Data;

/// <summary>
/// A deterministic stand-in backbone: per patch, the mean colour projected to <see cref="Width"/> channels by a fixed
/// matrix, squashed differently per layer. Counts the images it saw.
/// </summary>
internal sealed class FakeBackbone(int patch = 8, int width = 6, int depth = 3, bool classToken = false) : IFeatureBackbone
{
    public int ImagesSeen;

    public string Name => $"fake-P{patch}";

    public string WeightsId => "random:1";

    public bool IsRandom => true;

    public int PatchSize => patch;

    public int Width => width;

    public int Depth => depth;

    public int ImageSize => 32;

    public bool HasClassToken => classToken;

    public Device Device => CPU;

    public ScalarType DType => ScalarType.Float32;

    public IReadOnlyList<int> ResolveLayers(IEnumerable<int> layers) => layers.Select(l =>
    {
        int r = l < 0 ? depth + l : l;
        return r >= 0 && r < depth ? r : throw new ArgumentException($"layer {l} is outside a {depth}-block backbone.");
    }).ToList();

    public FeatureMaps Extract(Tensor images, IReadOnlyList<int> layers)
    {
        using var scope = NewDisposeScope();
        Interlocked.Add(ref ImagesSeen, (int)images.shape[0]);
        var weight = tensor(Enumerable.Range(0, width * 3).Select(i => (float)Math.Sin(i * 1.7 + 0.3)).ToArray(), [width, 3, 1, 1]);
        using var pooled = nn.functional.avg_pool2d(images, patch); // [B, 3, H, W] -> [B, 3, h, w]
        using var projected = nn.functional.conv2d(pooled, weight); // [B, 3, h, w] -> [B, C, h, w]
        var resolved = ResolveLayers(layers);
        var maps = resolved.Select(l => (projected * (l + 1) * 3.1f).tanh().MoveToOuterDisposeScope()).ToList();
        var tokens = classToken ? maps.Select(m => m.mean([2, 3]).MoveToOuterDisposeScope()).ToList() : null;
        return new FeatureMaps(resolved, maps, tokens);
    }

    public void Dispose() { }
}
