using System.Diagnostics;
using System.Globalization;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Detection;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Detection.Training;
using PerceptionEncoder.Heads.Training;
using static TorchSharp.torch;

namespace PerceptionEncoder.Bench;

/// <summary>
/// The detection head's benchmarks: learning runs (synthetic scenes on a tiny random-weight PE; the real COCO
/// val2017 image) and speed (training steps/s from the cache vs online; inference images/s). Prints Markdown
/// sections for bench/RESULTS.md.
/// <code>
/// bench detection [learn-synthetic|learn-coco|speed|all] [--key value ...]
/// </code>
/// </summary>
public static class DetectionBench
{
    public static int Run(string[] args)
    {
        string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        var options = Options.Parse(args.SkipWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray());
        if (options.Get("threads", 0) is > 0 and int threads) set_num_threads(threads);
        switch (mode)
        {
            case "learn-synthetic": LearnSynthetic(options); break;
            case "profile-eval": ProfileEval(options); break;
            case "profile-ops": ProfileOps(); break;
            case "all":
                LearnSynthetic(options);
                break;
            default:
                Console.Error.WriteLine("usage: bench detection [learn-synthetic|learn-coco|speed|all] [--key value ...]");
                return 2;
        }
        return 0;
    }

    /// <summary>The tiny random-weight PE of the synthetic learning run.</summary>
    public static PeConfig TinyConfig(Options o) => new()
    {
        Name = "PE-tiny-random", PatchSize = 16, Width = o.Get("width", 128), Layers = o.Get("depth", 4), Heads = 4, MlpRatio = 4.0,
        ImageSize = o.Get("size", 384), UseClsToken = true, UseLnPost = false, PoolType = PoolType.None, OutputDim = null,
    };

    private static void LearnSynthetic(Options o)
    {
        var total = Stopwatch.StartNew();
        string work = o.Get("work", Path.Combine(Path.GetTempPath(), "pe-det-bench"));
        int trainCount = o.Get("train", 600), valCount = o.Get("val", 100), size = o.Get("size", 384);
        Directory.CreateDirectory(work);
        var config = TinyConfig(o);
        var sw = Stopwatch.StartNew();
        SyntheticScenes.WriteCoco(work, "train", trainCount, seed: 1);
        SyntheticScenes.WriteCoco(work, "val", valCount, seed: 2);
        double dataSeconds = sw.Elapsed.TotalSeconds;

        using var backbone = PeBackbone.CreateRandom(config, seed: o.Get("backbone-seed", 7));
        var train = CocoSampleSource.Open(work, "train");
        var val = CocoSampleSource.Open(work, "val");
        sw.Restart();
        string cacheTag = $"{config.Width}x{config.Layers}-{size}";
        foreach (var (source, name) in new[] { (train, "train"), (val, "val") })
        {
            FeatureCache.Build(backbone, source, new FeatureCacheOptions
            {
                Directory = Path.Combine(work, $"cache-{name}-{cacheTag}"), Layers = [-1], ImageSize = size, BatchSize = 8,
                DatasetKind = "coco", Split = name,
            });
        }
        double cacheSeconds = sw.Elapsed.TotalSeconds;
        using var trainFeatures = CachedFeatureSource.Open(Path.Combine(work, $"cache-train-{cacheTag}"));
        using var valFeatures = CachedFeatureSource.Open(Path.Combine(work, $"cache-val-{cacheTag}"));

        string output = Path.Combine(work, $"head-{DateTime.UtcNow:yyyyMMddHHmmss}");
        var head = new FcosConfig
        {
            Layers = [], BackboneWidth = 0, PatchSize = 0, NumClasses = 0,
            Channels = o.Get("channels", 64), TowerConvs = o.Get("towers", 2),
            Levels = o.Get("levels", "3,4,5").Split(',').Select(int.Parse).ToArray(),
            Quality = o.Get("quality", "centreness") == "iou" ? FcosQuality.IoU : FcosQuality.Centreness,
        };
        var setup = new DetectionTrainingSetup
        {
            TrainSource = train, TrainFeatures = trainFeatures, ValSource = val, ValFeatures = valFeatures,
            Backbone = BackboneSpec.Of(backbone), InputSize = size, Head = head, BatchSize = o.Get("batch", 8),
            OutputDirectory = output,
            Train = new TrainOptions
            {
                Epochs = o.Get("epochs", 10), LearningRate = o.Get("lr", 2e-3), WeightDecay = o.Get("wd", 1e-4),
                WarmupSteps = o.Get("warmup", 100), Seed = 1, EvalEvery = o.Get("eval-every", 0), ClipGradNorm = 5.0,
            },
        };
        sw.Restart();
        var outcome = DetectionTraining.Run(setup,
            onStep: s =>
            {
                if (s.Step % 25 == 0)
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  step {s.Step} epoch {s.Epoch + 1} lr {s.LearningRate:E2} loss {s.Loss:F3} ({string.Join(" ", s.Parts.Select(p => $"{p.Key} {p.Value:F3}"))}) {sw.Elapsed.TotalSeconds:F0}s"));
            },
            onEvaluation: (epoch, r) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  epoch {epoch + 1}: AP {r.Evaluation.Stats[0]:F3} AP50 {r.Evaluation.Stats[1]:F3} ({sw.Elapsed.TotalSeconds:F0}s)")));
        double trainSeconds = sw.Elapsed.TotalSeconds;
        var stats = outcome.LastValidation!.Evaluation.Stats;
        Console.WriteLine("### Detection learning run: synthetic scenes, tiny random-weight PE");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{config.Name} (patch 16, width {config.Width}, {config.Layers} blocks, random weights, layer -1), {trainCount} train / {valCount} held-out " +
            $"synthetic images squashed to {size}, FCOS head channels {head.Channels}, levels {string.Join(",", head.Levels)}, towers {head.TowerConvs}, " +
            $"{setup.Train.Epochs} epochs x {setup.BatchSize} images, lr {setup.Train.LearningRate}, {get_num_threads()} threads."));
        Console.WriteLine();
        Console.WriteLine("| held-out bbox AP | AP50 | AP75 | data | cache | training + eval | total |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stats[0]:F3} | {stats[1]:F3} | {stats[2]:F3} | {dataSeconds:F0} s | {cacheSeconds:F0} s | {trainSeconds:F0} s | {total.Elapsed.TotalSeconds:F0} s |"));
        Console.WriteLine();
        Console.WriteLine(outcome.LastValidation.Evaluation.Summary());
    }

    private static void ProfileOps()
    {
        using var noGrad = no_grad();
        var x = randn(8, 64, 48, 48);
        var conv = nn.Conv2d(64, 64, 3, padding: 1);
        var gn = new PerceptionEncoder.Heads.Detection.Layers.GroupNorm2d(32, 64);
        var ln = new PerceptionEncoder.Heads.Detection.Layers.LayerNorm2d(64);
        var pc = new PerceptionEncoder.Heads.Detection.Layers.PaddedConv2d(64, 6, 3);
        var relu = nn.ReLU();
        var tc = new PerceptionEncoder.Heads.Detection.Layers.TransposedConv2x2(128, 64);
        var y = randn(8, 128, 24, 24);
        foreach (var (name, op) in new (string, Func<Tensor>)[]
        {
            ("mean dim1", () => x.mean([1], keepdim: true)),
            ("mean dim2 grouped", () => x.reshape(8, 32, -1).mean([2], keepdim: true)),
            ("square", () => x.square()),
            ("sub broadcast", () => x - x.mean([1], keepdim: true)),
            ("mul", () => x * x),
            ("rsqrt small", () => (x.mean([1], keepdim: true) + 1e-6).rsqrt()),
            ("native layer_norm on permuted", () => nn.functional.layer_norm(x.permute(0, 2, 3, 1), [64]).permute(0, 3, 1, 2)),
            ("native group_norm", () => nn.functional.group_norm(x, 32)),
            ("conv3x3 64->64 8x48x48", () => conv.forward(x)),
            ("groupnorm", () => gn.forward(x)),
            ("layernorm2d", () => ln.forward(x)),
            ("relu", () => relu.forward(x)),
            ("padded conv 64->6", () => pc.forward(x)),
            ("transposed 128->64 24->48", () => tc.forward(y)),
        })
        {
            double t = BenchUtil.BestSeconds(() => { using var scope = NewDisposeScope(); op(); }, repeats: 3);
            Console.WriteLine($"{name}: {t * 1000:F1} ms");
        }
    }

    private static void ProfileEval(Options o)
    {
        string work = o.Get("work", "/tmp/pe-det-a");
        using var valFeatures = CachedFeatureSource.Open(Path.Combine(work, o.Get("cache", "cache-val-128x4-384")));
        var val = CocoSampleSource.Open(work, "val");
        using var detector = new FcosDetector(new FcosConfig
        {
            Layers = valFeatures.Info.Layers, BackboneWidth = valFeatures.Info.Channels, PatchSize = 16, NumClasses = 6, Channels = 64, Levels = [3, 4, 5], TowerConvs = 2,
        }, initSeed: 1);
        detector.Module.eval();
        var sw = Stopwatch.StartNew();
        var loader = new PerceptionEncoder.Data.Loading.DataLoader(val, valFeatures.FixedTransform, new PerceptionEncoder.Data.Loading.DataLoaderOptions
        {
            BatchSize = 8, Parts = PerceptionEncoder.Data.Samples.SampleParts.None, SizeDivisibility = 16,
        });
        double load = 0, features = 0, predict = 0, forward = 0;
        var lap = Stopwatch.StartNew();
        foreach (var batch in loader.Epoch(0))
        {
            load += lap.Elapsed.TotalSeconds; lap.Restart();
            using var maps = valFeatures.GetFeatures(batch);
            features += lap.Elapsed.TotalSeconds; lap.Restart();
            using (no_grad())
            {
                var model = (FcosModel)detector.Module;
                using var input = PerceptionEncoder.Heads.Detection.Pyramid.SimpleFeaturePyramid.Concatenate(maps, detector.Layers);
                using var raw = model.forward(input);
                forward += lap.Elapsed.TotalSeconds; lap.Restart();
            }
            detector.Predict(maps);
            predict += lap.Elapsed.TotalSeconds; lap.Restart();
            batch.Dispose();
        }
        Console.WriteLine($"load {load:F2}s features {features:F2}s forward {forward:F2}s predict {predict:F2}s");
        sw.Restart();
        var r = PerceptionEncoder.Heads.Detection.Evaluation.DetectionValidation.Run(detector, valFeatures, val, new PerceptionEncoder.Data.Transforms.SquashResize(384), 8);
        Console.WriteLine($"full validation {sw.Elapsed.TotalSeconds:F2}s, {r.Results.Count} results");
    }

    /// <summary>--key value pairs.</summary>
    public sealed class Options
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (int i = 0; i + 1 < args.Length; i += 2)
                o._values[args[i].TrimStart('-')] = args[i + 1];
            return o;
        }

        public string Get(string key, string fallback) => _values.GetValueOrDefault(key, fallback);

        public int Get(string key, int fallback) => _values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public double Get(string key, double fallback) => _values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    }
}
