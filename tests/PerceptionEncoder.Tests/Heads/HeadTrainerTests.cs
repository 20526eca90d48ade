using System.Text.Json.Nodes;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Heads;

public sealed class HeadTrainerTests
{
    private static readonly BackboneSpec Backbone = new("toy", "random:1", 16, 8, 2, false, true);

    [Fact]
    public void Train_LinearProblem_LossFallsAndWeightsApproachTruth()
    {
        using var dir = new TempDirectory();
        using var head = new ToyHead(seed: 3);
        var trainer = new HeadTrainer<Tensor, Tensor>(head, Backbone, Options(epochs: 60), dir.Path);
        var progress = trainer.Train(new ToyData(seed: 5), resume: false);

        double first = progress.Steps.Take(4).Average(s => s.Loss);
        double last = progress.Steps.TakeLast(4).Average(s => s.Loss);
        Assert.True(last < 0.02 * first, $"loss {first} -> {last}");
        using var weight = head.Module.parameters().First().detach().flatten();
        var expected = ToyData.TrueWeights;
        for (int i = 0; i < expected.Length; i++)
            Assert.InRange(weight[i].item<float>(), expected[i] - 0.05, expected[i] + 0.05);
    }

    [Fact]
    public void Train_KilledAfterAnEpochThenResumed_EndsWithTheSameWeights()
    {
        using var straightDir = new TempDirectory();
        using var resumedDir = new TempDirectory();
        using var straight = new ToyHead(seed: 3);
        new HeadTrainer<Tensor, Tensor>(straight, Backbone, Options(epochs: 4), straightDir.Path)
            .Train(new ToyData(seed: 5), resume: false);

        using (var firstPart = new ToyHead(seed: 3))
        {
            var trainer = new HeadTrainer<Tensor, Tensor>(firstPart, Backbone, Options(epochs: 4), resumedDir.Path);
            using var cancel = new CancellationTokenSource();
            trainer.EpochSaved += p => { if (p.EpochsDone == 2) cancel.Cancel(); };
            Assert.Throws<OperationCanceledException>(() => trainer.Train(new ToyData(seed: 5), resume: false, cancel: cancel.Token));
        }
        using var resumed = new ToyHead(seed: 99); // different init: everything must come from the resume file
        var progress = new HeadTrainer<Tensor, Tensor>(resumed, Backbone, Options(epochs: 4), resumedDir.Path)
            .Train(new ToyData(seed: 5), resume: true);

        Assert.Equal(4, progress.EpochsDone);
        Assert.Equal(4 * ToyData.Batches, progress.Steps.Count);
        foreach (var (a, b) in straight.Module.parameters().Zip(resumed.Module.parameters()))
            Assert.True(a.eq(b).all().item<bool>(), "resumed weights differ from an uninterrupted run");
    }

    [Fact]
    public void Train_ResumeWithAnotherSeed_IsRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        using (var head = new ToyHead(seed: 3))
            new HeadTrainer<Tensor, Tensor>(head, Backbone, Options(epochs: 1), dir.Path).Train(new ToyData(seed: 5), resume: false);
        using var other = new ToyHead(seed: 3);
        var trainer = new HeadTrainer<Tensor, Tensor>(other, Backbone, Options(epochs: 2) with { Seed = 8 }, dir.Path);
        var e = Assert.Throws<InvalidDataException>(() => trainer.Train(new ToyData(seed: 5), resume: true));
        Assert.Contains(HeadTrainer<Tensor, Tensor>.ResumeFileName, e.Message);
        Assert.Contains("seed", e.Message);
    }

    [Fact]
    public void Train_ExistingRunWithoutResume_IsRefused()
    {
        using var dir = new TempDirectory();
        using var head = new ToyHead(seed: 3);
        new HeadTrainer<Tensor, Tensor>(head, Backbone, Options(epochs: 1), dir.Path).Train(new ToyData(seed: 5), resume: false);
        var e = Assert.Throws<InvalidDataException>(() =>
            new HeadTrainer<Tensor, Tensor>(head, Backbone, Options(epochs: 1), dir.Path).Train(new ToyData(seed: 5), resume: false));
        Assert.Contains("--resume", e.Message);
    }

    [Fact]
    public void Schedule_WarmupThenCosine_HitsItsEndpoints()
    {
        var s = new WarmupCosineSchedule(1.0, WarmupSteps: 10, TotalSteps: 110, FinalRatio: 0.1);
        Assert.Equal(0.1, s.RateAt(0), 12);
        Assert.Equal(1.0, s.RateAt(9), 12);
        Assert.Equal(1.0, s.RateAt(10), 12);
        Assert.Equal(0.55, s.RateAt(60), 12); // half-way down the cosine: floor + (1 - floor) / 2
        Assert.Equal(0.1, s.RateAt(110), 12);
    }

    private static TrainOptions Options(int epochs) => new()
    {
        Epochs = epochs,
        LearningRate = 0.05,
        WeightDecay = 0,
        WarmupSteps = 2,
        Seed = 1,
        ClipGradNorm = 10,
    };

    /// <summary>A 1x1 convolution regressing a scalar map from 8-channel features.</summary>
    private sealed class ToyHead : IDenseHead<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _conv;

        public ToyHead(int seed)
        {
            torch.manual_seed(seed);
            _conv = nn.Conv2d(8, 1, 1);
        }

        public string Task => "toy";
        public IReadOnlyList<int> Layers { get; } = [1];
        public nn.Module Module => _conv;
        public JsonObject Config => new() { ["kind"] = "toy" };

        public HeadLoss Loss(FeatureMaps features, Tensor targets)
        {
            var loss = nn.functional.mse_loss(_conv.forward(features[1]), targets);
            return new HeadLoss(loss, new Dictionary<string, Tensor> { ["mse"] = loss });
        }

        public Tensor Predict(FeatureMaps features) => _conv.forward(features[1]);

        public void Dispose() => _conv.Dispose();
    }

    private sealed class ToyData(int seed) : ITrainingData<Tensor>
    {
        public const int Batches = 4;
        public static readonly float[] TrueWeights = [0.5f, -1f, 2f, 0f, 0.25f, -0.5f, 1f, 0.75f];

        public int BatchesPerEpoch => Batches;

        public IEnumerable<TrainingBatch<Tensor>> ReadEpoch(int epoch)
        {
            var generator = new Generator((ulong)(seed * 1000 + epoch));
            using var w = tensor(TrueWeights).reshape(1, 8, 1, 1);
            for (int i = 0; i < Batches; i++)
            {
                var x = randn([4, 8, 3, 3], generator: generator);                 // [B, C, h, w]
                var y = (x * w).sum(1, keepdim: true) + 0.3f;                       // [B, 1, h, w]
                yield return new TrainingBatch<Tensor>(new FeatureMaps([1], [x], null), y);
            }
        }
    }
}
