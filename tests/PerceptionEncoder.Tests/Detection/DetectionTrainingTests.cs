using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Detection.Training;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Detection;

public sealed class DetectionTrainingTests
{
    [Fact]
    public void Run_SyntheticScenesOnATinyRandomBackbone_LossFallsAndTheHeadIsExported()
    {
        using var temp = new TempDirectory();
        SyntheticScenes.WriteCoco(temp.Path, "train", 16, seed: 3, DetectionCliFixture.Scenes with { Width = 128, Height = 96 });
        var train = CocoSampleSource.Open(temp.Path, "train");
        using var backbone = PeBackbone.CreateRandom(DetectionCliFixture.Tiny with { ImageSize = 128 }, seed: 2);
        using var features = new OnlineFeatureSource(backbone, [-1]);
        var setup = new DetectionTrainingSetup
        {
            TrainSource = train,
            TrainFeatures = features,
            Backbone = BackboneSpec.Of(backbone),
            InputSize = 128,
            Head = new FcosConfig { Layers = [], BackboneWidth = 0, PatchSize = 0, NumClasses = 0, Channels = 32, Levels = [3, 4, 5], TowerConvs = 2 },
            Train = new TrainOptions { Epochs = 12, LearningRate = 3e-3, WeightDecay = 1e-4, WarmupSteps = 5, Seed = 4 },
            BatchSize = 4,
            OutputDirectory = temp.File("head"),
        };

        var outcome = DetectionTraining.Run(setup);

        var steps = outcome.Progress.Steps;
        Assert.Equal(12 * 4, steps.Count);
        double first = steps.Take(4).Average(s => s.Loss), last = steps.TakeLast(4).Average(s => s.Loss);
        Assert.True(last < 0.6 * first, $"loss {first:F3} -> {last:F3}");
        var metadata = HeadCheckpoint.ReadMetadata(setup.OutputDirectory);
        Assert.Equal(12, metadata.EpochsTrained);
        Assert.Equal(6, metadata.Categories!.Count);
        Assert.Equal(32, metadata.Head["channels"]!.GetValue<int>());
        Assert.Equal(DetectionCliFixture.Tiny.Width, metadata.Head["backbone_width"]!.GetValue<int>());
    }

    [Fact]
    public void Run_CacheOfAnotherSize_IsRefused()
    {
        using var temp = new TempDirectory();
        SyntheticScenes.WriteCoco(temp.Path, "train", 2, seed: 3, DetectionCliFixture.Scenes);
        var train = CocoSampleSource.Open(temp.Path, "train");
        using var backbone = PeBackbone.CreateRandom(DetectionCliFixture.Tiny, seed: 2);
        FeatureCache.Build(backbone, train, new FeatureCacheOptions { Directory = temp.File("cache"), Layers = [-1], ImageSize = 64 });
        using var cache = CachedFeatureSource.Open(temp.File("cache"));
        var setup = new DetectionTrainingSetup
        {
            TrainSource = train,
            TrainFeatures = cache,
            Backbone = BackboneSpec.Of(backbone),
            InputSize = 96,
            Train = new TrainOptions { Epochs = 1 },
            OutputDirectory = temp.File("head"),
        };
        var e = Assert.Throws<ArgumentException>(() => DetectionTraining.Run(setup));
        Assert.Contains("64x64", e.Message);
    }
}
