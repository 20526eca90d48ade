using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Detection;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Detection;

public sealed class FcosDetectorTests
{
    private static readonly BackboneSpec Backbone = new("toy", "random:1", 16, 8, 2, false, true);

    private static FcosConfig SmallConfig(FcosQuality quality = FcosQuality.Centreness) => new()
    {
        Layers = [0],
        BackboneWidth = ToyFeatureScenes.Channels,
        PatchSize = ToyFeatureScenes.Patch,
        NumClasses = ToyFeatureScenes.Classes,
        Channels = 32,
        Levels = [3, 4, 5],
        TowerConvs = 2,
        Quality = quality,
    };

    [Theory]
    [InlineData(FcosQuality.Centreness)]
    [InlineData(FcosQuality.IoU)]
    public void Train_TinyToySet_LossFalls(FcosQuality quality)
    {
        using var dir = new TempDirectory();
        using var detector = new FcosDetector(SmallConfig(quality), initSeed: 1);
        var options = new TrainOptions { Epochs = 12, LearningRate = 2e-3, WarmupSteps = 5, WeightDecay = 1e-4, Seed = 2 };
        var progress = new HeadTrainer<BoxTargets, IReadOnlyList<IReadOnlyList<DetectedObject>>>(detector, Backbone, options, dir.Path)
            .Train(new ToyFeatureScenes(seed: 3, images: 16, batchSize: 4), resume: false);

        double first = progress.Steps.Take(4).Average(s => s.Loss);
        double last = progress.Steps.TakeLast(4).Average(s => s.Loss);
        Assert.True(last < 0.5 * first, $"loss {first:F3} -> {last:F3}");
        Assert.All(progress.Steps, s => Assert.True(double.IsFinite(s.Loss)));
    }

    [Fact]
    public void Predict_RandomHead_AtMostMaxDetectionsInsideTheImage()
    {
        using var detector = new FcosDetector(SmallConfig() with
        {
            Postprocess = new DetectionPostprocessOptions { ScoreThreshold = 0, MaxDetections = 7 },
        }, initSeed: 4);
        using var batch = new ToyFeatureScenes(seed: 1, images: 3, batchSize: 3).Batch([0, 1, 2]);
        var detections = detector.Predict(batch.Features);
        Assert.Equal(3, detections.Count);
        Assert.All(detections, image =>
        {
            Assert.Equal(7, image.Count);
            Assert.All(image, d =>
            {
                Assert.InRange(d.Box.X1, 0, 128);
                Assert.InRange(d.Box.X2, d.Box.X1, 128);
                Assert.InRange(d.Box.Y1, 0, 128);
                Assert.InRange(d.Box.Y2, d.Box.Y1, 128);
                Assert.InRange(d.ClassIndex, 0, ToyFeatureScenes.Classes - 1);
            });
            Assert.Equal(image.OrderByDescending(d => d.Score).Select(d => d.Score), image.Select(d => d.Score));
        });
    }

    [Fact]
    public void Predict_ThresholdAboveEveryScore_GivesEmptyLists()
    {
        using var detector = new FcosDetector(SmallConfig(), initSeed: 4);
        using var batch = new ToyFeatureScenes(seed: 1, images: 2, batchSize: 2).Batch([0, 1]);
        // A fresh head predicts about sqrt(0.01 * 0.5) = 0.07 everywhere.
        var detections = detector.Predict(batch.Features, new DetectionPostprocessOptions { ScoreThreshold = 0.5 });
        Assert.Equal(2, detections.Count);
        Assert.All(detections, Assert.Empty);
    }

    [Fact]
    public void PredictAndLoss_LeaveNoLiveTensorsBehind()
    {
        using var detector = new FcosDetector(SmallConfig(), initSeed: 4);
        using var batch = new ToyFeatureScenes(seed: 1, images: 2, batchSize: 2).Batch([0, 1]);
        detector.Predict(batch.Features);                                       // warm-up (lazy state)
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        detector.Predict(batch.Features);
        using (var scope = NewDisposeScope())
        {
            var loss = detector.Loss(batch.Features, batch.Targets);
            loss.Total.backward();
        }
        detector.Module.zero_grad();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after <= before + detector.Module.parameters().Count(), $"{after - before} tensors leaked");
    }

    [Fact]
    public void Loss_ImagesWithoutObjects_IsFiniteAndOnlyClassification()
    {
        using var detector = new FcosDetector(SmallConfig(), initSeed: 4);
        using var features = randn(2, ToyFeatureScenes.Channels, 8, 8);
        using var maps = new FeatureMaps([0], [features.alias()], null);
        var loss = detector.Loss(maps, new BoxTargets([[], []]));
        Assert.True(float.IsFinite(loss.Total.item<float>()));
        Assert.Equal(0f, loss.Parts["box"].item<float>());
        Assert.Equal(0f, loss.Parts["quality"].item<float>());
        Assert.True(loss.Parts["cls"].item<float>() > 0);
    }

    [Fact]
    public void Loss_TargetCountDiffersFromBatch_IsRefused()
    {
        using var detector = new FcosDetector(SmallConfig(), initSeed: 4);
        using var features = randn(2, ToyFeatureScenes.Channels, 8, 8);
        using var maps = new FeatureMaps([0], [features.alias()], null);
        Assert.Throws<ArgumentException>(() => detector.Loss(maps, new BoxTargets([[]])));
    }

    [Fact]
    public void FromConfig_OwnConfig_RebuildsTheSameParameterShapes()
    {
        using var detector = new FcosDetector(SmallConfig(FcosQuality.IoU) with { Levels = [2, 3, 4, 5, 6] });
        using var rebuilt = FcosDetector.FromConfig(detector.Config);
        Assert.Equal(detector.Settings.Levels, rebuilt.Settings.Levels);
        Assert.Equal(FcosQuality.IoU, rebuilt.Settings.Quality);
        var expected = detector.Module.state_dict().Select(p => (p.Key, string.Join("x", p.Value.shape)));
        var actual = rebuilt.Module.state_dict().Select(p => (p.Key, string.Join("x", p.Value.shape)));
        Assert.Equal(expected, actual);
        Assert.Equal("\"IoU\"", detector.Config["quality"]!.ToJsonString());
    }
}
