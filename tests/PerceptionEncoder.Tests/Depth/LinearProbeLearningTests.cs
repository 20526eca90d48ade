using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Linear;
using PerceptionEncoder.Heads.Depth.Readout;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Testing;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Depth;

/// <summary>
/// The linear probe cannot learn depth from random features, so it is checked where the features do carry depth:
/// each channel is a noisy linear function of a smooth depth field on the patch grid.
/// </summary>
public sealed class LinearProbeLearningTests(ITestOutputHelper output)
{
    private const int Patch = 8;
    private const int Grid = 6;
    private const int Channels = 16;
    private const int Layer = 11;

    public static TheoryData<string, int> Outputs => new() { { "regression", 12 }, { "bins", 6 } };

    [Theory]
    [MemberData(nameof(Outputs))]
    public void Train_FeaturesLinearInDepth_RecoversDepthWithinFivePercent(string form, int epochs)
    {
        var spec = new BackboneSpec("linear-depth-features", "synthetic:7", Patch, Channels, 12, false, true);
        var config = new LinearDepthConfig
        {
            Layers = [Layer],
            Output = form == "bins" ? DepthOutput.Dinov2Bins : DepthOutput.Regression,
        };
        manual_seed(3);
        using var head = config.Create(spec);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var world = new LinearDepthWorld(seed: 11);
        var data = world.Split(count: 32, batch: 8, seed: 1);
        output.WriteLine($"data {clock.Elapsed}");
        using var dir = new TempDirectory();
        var options = new TrainOptions { Epochs = epochs, LearningRate = 0.05, WeightDecay = 0, WarmupSteps = 5, Seed = 1 };
        new HeadTrainer<DepthGroundTruth, Tensor>(head, spec, options, dir.Path)
            .Train(data, resume: false);
        output.WriteLine($"train {clock.Elapsed}");

        using var scope = NewDisposeScope();
        var (features, targets) = world.Make(count: 16, seed: 99);
        using var predicted = no_grad().Let(_ => head.Predict(features));
        double absRel = ((predicted - targets).abs() / targets).mean().item<float>();
        output.WriteLine($"{form}: held-out abs_rel {absRel:F4} after {options.Epochs} epochs");
        Assert.True(absRel < 0.05, $"held-out abs_rel {absRel:F4} with the {form} output");
    }

    /// <summary>Smooth depth fields on a 6×6 grid, 1 to 8 m; features = A·depth + b + noise per channel.</summary>
    private sealed class LinearDepthWorld(int seed)
    {
        private readonly float[] _slopes = Draw(seed, Channels, 1.0, 0.0);
        private readonly float[] _offsets = Draw(seed + 1, Channels, 2.0, 0.0);

        public ITrainingData<DepthGroundTruth> Split(int count, int batch, int seed)
        {
            var (features, targets) = Make(count, seed);
            return new InMemoryDepthData(features[Layer].MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope(), batch);
        }

        /// <summary>Features of layer 11 [N, C, 6, 6] and the pixel depth [N, 1, 96, 96] it came from.</summary>
        public (FeatureMaps Features, Tensor Depth) Make(int count, int seed)
        {
            var random = new Random(seed);
            var grid = zeros(count, 1, Grid, Grid);
            for (int n = 0; n < count; n++)
            {
                double fx = 0.3 + random.NextDouble() * 0.6, fy = 0.3 + random.NextDouble() * 0.6;
                double px = random.NextDouble() * 6.28, py = random.NextDouble() * 6.28, tilt = random.NextDouble();
                for (int y = 0; y < Grid; y++)
                    for (int x = 0; x < Grid; x++)
                    {
                        double u = 0.5 + 0.2 * Math.Sin(fx * x + px) + 0.2 * Math.Sin(fy * y + py) + 0.1 * (tilt - 0.5) * (y - 2.5) / 2.5;
                        grid[n, 0, y, x] = (float)(1 + 7 * Math.Clamp(u, 0, 1));
                    }
            }
            var slopes = tensor(_slopes).view(1, Channels, 1, 1);
            var offsets = tensor(_offsets).view(1, Channels, 1, 1);
            var noise = randn([count, Channels, Grid, Grid], generator: new Generator((ulong)seed)) * 0.05f;
            var features = grid * slopes + offsets + noise; // [N, 1, 6, 6] -> [N, C, 6, 6]
            var depth = nn.functional.interpolate(grid, [Grid * Patch, Grid * Patch], mode: InterpolationMode.Bilinear, align_corners: false);
            return (new FeatureMaps([Layer], [features], null), depth);
        }

        private static float[] Draw(int seed, int n, double scale, double mean)
        {
            var random = new Random(seed);
            return [.. Enumerable.Range(0, n).Select(_ => (float)(mean + scale * (random.NextDouble() * 2 - 1)))];
        }
    }

    /// <summary>Fixed tensors served in a seeded shuffled order.</summary>
    private sealed class InMemoryDepthData(Tensor features, Tensor depth, int batch) : ITrainingData<DepthGroundTruth>
    {
        public int BatchesPerEpoch => (int)(features.shape[0] / batch);

        public IEnumerable<TrainingBatch<DepthGroundTruth>> ReadEpoch(int epoch)
        {
            var order = Enumerable.Range(0, (int)features.shape[0]).OrderBy(i => new Random(epoch * 7919 + i).Next()).ToArray();
            for (int b = 0; b < BatchesPerEpoch; b++)
            {
                using var index = tensor(order[(b * batch)..((b + 1) * batch)].Select(i => (long)i).ToArray());
                var maps = new FeatureMaps([Layer], [features.index_select(0, index)], null);
                var d = depth.index_select(0, index);
                yield return new TrainingBatch<DepthGroundTruth>(maps, new DepthGroundTruth(d, d > 0));
            }
        }
    }
}

internal static class DisposableExtensions
{
    /// <summary>Runs <paramref name="body"/> with <paramref name="resource"/>, then disposes it.</summary>
    public static T Let<TResource, T>(this TResource resource, Func<TResource, T> body) where TResource : IDisposable
    {
        using (resource) return body(resource);
    }
}
