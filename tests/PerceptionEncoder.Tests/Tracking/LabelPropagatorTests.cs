using PerceptionEncoder.Heads.Tracking;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary>
/// The windowed propagation against an independent dense float64 computation of the reference's formulation, on
/// cases that stress the tiling (many small tiles, landscape and portrait grids), the neighbourhood clipping, the
/// top-k with fewer than k non-zero candidates, exact ties, and r = 0.
/// </summary>
public class LabelPropagatorTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        // height, width, channels, classes, topk, context, radius, tokens per tile, frames
        [7, 11, 16, 3, 5, 3, 2, 8, 7],       // landscape: column strips, 11 tiles of one strip
        [12, 23, 8, 3, 5, 2, 3, 36, 4],      // 8 tiles of 3 strips, the last moved back over its neighbour
        [11, 6, 12, 4, 12, 2, 1, 6, 5],      // portrait: row strips; windows of ≤ 9 (≤ 4 in corners) per frame < k = 12
        [5, 5, 8, 2, 5, 1, 1, 5, 4],         // square, one context frame, corners with 4 candidates per frame
        [6, 9, 10, 3, 5, 2, 0, 128, 5],      // radius 0: no restriction, one tile
        [6, 9, 10, 3, 3, 7, 20, 18, 9],      // radius beyond the grid: every pair inside, no mask needed
        [30, 52, 8, 3, 5, 7, 12, 128, 3],    // DAVIS grid with the default tiling
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Propagate_RandomFeatures_MatchesDenseFloat64Reference(int height, int width, int channels, int classes,
        int topK, int context, int radius, int tokensPerTile, int frames)
    {
        var options = new PropagationOptions { TopK = topK, ContextFrames = context, Radius = radius };
        var random = new Random(height * 1000 + width * 10 + radius);
        float[][] features = Enumerable.Range(0, frames).Select(_ => RandomFeatures(random, channels * height * width)).ToArray();
        float[] labels = RandomOneHot(random, classes, height * width);

        var reference = new ReferencePropagation(height, width, channels, options);
        reference.Start(features[0], labels, classes);
        using var first = tensor(features[0], [channels, height, width]);
        using var oneHot = tensor(labels, [classes, height, width]);
        using var propagator = new LabelPropagator(first, oneHot, options, tokensPerTile);
        for (int t = 1; t < frames; t++)
        {
            using var target = tensor(features[t], [channels, height, width]);
            using var soft = propagator.Propagate(target);
            Assert.Equal([classes, height, width], soft.shape);
            double[] expected = reference.Propagate(features[t]);
            float[] actual = soft.data<float>().ToArray();
            double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst < 2e-6, $"frame {t}: max |difference| {worst}");
        }
    }

    [Fact]
    public void Propagate_ExactTiesAtKthValue_KeepsEveryTiedCandidate()
    {
        // One-hot features: cosines are exactly 0 or 1, so affinities are exactly 1 or e^10 and many tie at the
        // k-th value. The reference keeps all entries >= the k-th value; a top-k that kept exactly k would not.
        const int height = 6, width = 8, channels = 3, classes = 3;
        var options = new PropagationOptions { TopK = 2, ContextFrames = 2, Radius = 2 };
        var random = new Random(5);
        float[][] features = Enumerable.Range(0, 4).Select(_ => RandomOneHot(random, channels, height * width)).ToArray();
        float[] labels = RandomOneHot(random, classes, height * width);
        var reference = new ReferencePropagation(height, width, channels, options);
        reference.Start(features[0], labels, classes);
        using var first = tensor(features[0], [channels, height, width]);
        using var oneHot = tensor(labels, [classes, height, width]);
        using var propagator = new LabelPropagator(first, oneHot, options, tokensPerTile: 12);
        for (int t = 1; t < features.Length; t++)
        {
            using var target = tensor(features[t], [channels, height, width]);
            using var soft = propagator.Propagate(target);
            double[] expected = reference.Propagate(features[t]);
            double worst = expected.Zip(soft.data<float>().ToArray(), (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst < 1e-6, $"frame {t}: max |difference| {worst}");
        }
    }

    [Fact]
    public void Propagate_HandWorkedTwoTokens_TopOneKeepsTies()
    {
        // Frame 0: token 0 = (1, 0) labelled 1, token 1 = (0, 1) labelled 0. Target: token 0 = (1, 0) is closest to
        // source 0 only -> label 1 for sure; token 1 = (1, 1)/√2 is equally close to both -> a tie at k = 1, both
        // kept with equal weight -> (0.5, 0.5).
        var options = new PropagationOptions { TopK = 1, ContextFrames = 1, Radius = 0 };
        using var first = tensor(new float[] { 1, 0, 0, 1 }, [2, 1, 2]);   // [C, h, w]
        using var labels = tensor(new float[] { 0, 1, 1, 0 }, [2, 1, 2]);  // [K, h, w]: token 0 class 1, token 1 class 0
        using var propagator = new LabelPropagator(first, labels, options);
        using var target = tensor(new float[] { 1, 3, 0, 3 }, [2, 1, 2]);  // token 0 = (1, 0), token 1 = (3, 3)
        using var soft = propagator.Propagate(target);
        Assert.Equal(new float[] { 0, 0.5f, 1, 0.5f }, soft.data<float>().ToArray());
    }

    [Fact]
    public void Propagate_LongVideo_HoldsOnlyFirstAndContextFrames()
    {
        var options = new PropagationOptions { TopK = 3, ContextFrames = 2, Radius = 1 };
        var random = new Random(3);
        using var first = tensor(RandomFeatures(random, 4 * 3 * 3), [4, 3, 3]);
        using var labels = tensor(RandomOneHot(random, 2, 9), [2, 3, 3]);
        using var propagator = new LabelPropagator(first, labels, options);
        Assert.Equal(1, propagator.ContextSize);
        for (int t = 1; t <= 6; t++)
        {
            using var target = tensor(RandomFeatures(random, 4 * 3 * 3), [4, 3, 3]);
            using var soft = propagator.Propagate(target);
            Assert.Equal(1 + Math.Min(t, 2), propagator.ContextSize);
            Assert.True(soft.sum(dim: 0).allclose(ones([3, 3]), rtol: 0, atol: 1e-6));
        }
    }

    [Fact]
    public void Propagate_FeaturesOfAnotherGrid_Throws()
    {
        using var first = zeros([4, 3, 3]);
        using var labels = ones([1, 3, 3]);
        using var propagator = new LabelPropagator(first, labels, new PropagationOptions());
        using var other = zeros([4, 3, 4]);
        var e = Assert.Throws<ArgumentException>(() => propagator.Propagate(other));
        Assert.Contains("[4, 3, 4]", e.Message);
    }

    internal static float[] RandomFeatures(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    /// <summary>[K, N] channel-first one-hot of random classes.</summary>
    internal static float[] RandomOneHot(Random random, int classes, int tokens)
    {
        var data = new float[classes * tokens];
        for (int n = 0; n < tokens; n++) data[random.Next(classes) * tokens + n] = 1;
        return data;
    }
}
