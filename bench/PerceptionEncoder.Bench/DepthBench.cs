using System.Diagnostics;
using System.Globalization;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Dpt;
using PerceptionEncoder.Heads.Depth.Evaluation;
using PerceptionEncoder.Heads.Depth.Training;
using PerceptionEncoder.Heads.Training;
using static TorchSharp.torch;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Depth heads: learning runs beside the two trivial baselines (DPT on synthetic scenes with a tiny random-weight
/// PE backbone; DPT overfitting the 3 real NYU pairs) and speed (training steps/s from the cache and online,
/// inference images/s at 480x640). <c>bench depth [learn|overfit|speed] [--key value ...]</c>.
/// </summary>
public static class DepthBench
{
    public static int Run(string[] args)
    {
        string part = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        var options = Options(args);
        Console.WriteLine("## Depth heads\n");
        Console.WriteLine($"provisional (machine shared); {Environment.ProcessorCount} cores, torch threads {get_num_threads()}.\n");
        if (part is "all" or "learn") Learn(options);
        if (part is "all" or "overfit") Overfit(options);
        if (part is "all" or "speed") Speed(options);
        if (part == "profile") Profile(options);
        return 0;
    }

    /// <summary>The tiny random-weight backbone of the learning runs: PE-Spatial-T's layout with 6 blocks, patch 16.</summary>
    internal static PeConfig TinyConfig(int imageSize) => new()
    {
        Name = "tiny-random",
        PatchSize = 16,
        Width = 192,
        Layers = 6,
        Heads = 3,
        MlpRatio = 4,
        ImageSize = imageSize,
        UseClsToken = true,
        UseLnPost = false,
        PoolType = PoolType.None,
        OutputDim = null,
    };

    private static void Learn(Dictionary<string, string> o)
    {
        int trainCount = Int(o, "train", 400), testCount = Int(o, "test", 100), imageSize = Int(o, "image-size", 256);
        int epochs = Int(o, "epochs", 8), features = Int(o, "features", 64), batch = Int(o, "batch", 8), seed = Int(o, "seed", 0);
        double lr = Double(o, "lr", 1e-3), gradient = Double(o, "gradient-loss", 0);
        string root = o.GetValueOrDefault("root") ?? Path.Combine(Path.GetTempPath(), "pe-depth-bench");
        var clock = Stopwatch.StartNew();
        var trainSplit = SyntheticScenes.WriteNyu(root, "train", trainCount, seed: 1000 + seed);
        var testSplit = SyntheticScenes.WriteNyu(root, "test", testCount, seed: 2000 + seed);
        double dataSeconds = clock.Elapsed.TotalSeconds;
        var train = new NyuSampleSource(trainSplit.ListFile, trainSplit.DataFolder);
        var test = new NyuSampleSource(testSplit.ListFile, testSplit.DataFolder);

        using var backbone = PeBackbone.CreateRandom(TinyConfig(imageSize), seed: 7);
        var head = new DptDepthConfig { Features = features, Loss = new() { GradientWeight = gradient } };
        var layers = DptDepthConfig.DefaultLayers(backbone.Depth);
        string outDir = Path.Combine(root, $"run-{DateTime.UtcNow:yyyyMMddHHmmss}");
        string cacheRoot = Path.Combine(outDir, "cache"); // made afresh: its time counts
        foreach (var (source, split) in new[] { (train, "train"), (test, "test") })
            FeatureCache.Build(backbone, source, new FeatureCacheOptions
            {
                Directory = Path.Combine(cacheRoot, split),
                Layers = layers,
                ImageSize = imageSize,
                DatasetKind = "nyu",
                Split = split,
            });
        double cacheSeconds = clock.Elapsed.TotalSeconds - dataSeconds;

        var setup = new DepthTrainingSetup
        {
            Head = head,
            Options = new TrainOptions { Epochs = epochs, LearningRate = lr, WarmupSteps = 50, Seed = seed, EvalEvery = Int(o, "eval-every", 0) },
            OutDirectory = Path.Combine(outDir, "head"),
            Train = train,
            Validation = test,
            Backbone = backbone,
            TrainCache = Path.Combine(cacheRoot, "train"),
            ValidationCache = Path.Combine(cacheRoot, "test"),
            BatchSize = batch,
            EigenCrop = false,
        };
        var trainClock = Stopwatch.StartNew();
        var result = DepthTraining.Run(setup, resume: false,
            onEvaluation: (epoch, e) => Console.Error.WriteLine($"epoch {epoch + 1}: abs_rel {e.Head["abs_rel"]:F3} d1 {e.Head["d1"]:F3} ({trainClock.Elapsed.TotalSeconds:F0} s)"),
            onStep: s => { if (s.Step % 20 == 0) Console.Error.WriteLine($"step {s.Step} loss {s.Loss:F3} ({trainClock.Elapsed.TotalSeconds:F0} s)"); });
        double trainSeconds = trainClock.Elapsed.TotalSeconds;
        using var trained = result.Head;
        var e = result.LastEvaluation!;
        Console.WriteLine($"### DPT head on synthetic scenes, tiny random-weight PE backbone\n");
        Console.WriteLine($"{trainCount} training / {testCount} held-out synthetic NYU-layout scenes (320x240), backbone {backbone.Name} " +
                          $"(patch 16, width 192, {backbone.Depth} blocks, random weights) at {imageSize}x{imageSize}, layers {string.Join(",", layers)}, " +
                          $"DPT features {features}, {epochs} epochs, batch {batch}, lr {lr}, gradient-loss {gradient}; metrics at GT resolution, no crop (the maps are 320x240).");
        Console.WriteLine($"Wall time: data {dataSeconds:F0} s, feature cache {cacheSeconds:F0} s, training + validation {trainSeconds:F0} s, total {clock.Elapsed.TotalSeconds:F0} s.\n");
        PrintTable(e);
    }

    private static void Overfit(Dictionary<string, string> o)
    {
        string nyu = o.GetValueOrDefault("nyu") ?? FindShared("datasets-real", "nyu");
        int epochs = Int(o, "overfit-epochs", 150), imageSize = Int(o, "overfit-image-size", 256);
        string root = Path.Combine(Path.GetTempPath(), "pe-depth-overfit");
        Directory.CreateDirectory(root);
        string list = Path.Combine(root, "nyu_three.txt");
        File.WriteAllLines(list, ["rgb/rgb_00000.jpg depth/sync_depth_00000.png 518.8579",
            "rgb/rgb_00050.jpg depth/sync_depth_00050.png 518.8579", "rgb/rgb_00100.jpg depth/sync_depth_00100.png 518.8579"]);
        var pairs = new NyuSampleSource(list, nyu);
        using var backbone = PeBackbone.CreateRandom(TinyConfig(imageSize), seed: 7);
        var clock = Stopwatch.StartNew();
        var setup = new DepthTrainingSetup
        {
            Head = new DptDepthConfig { Features = Int(o, "features", 64) },
            Options = new TrainOptions { Epochs = epochs, LearningRate = Double(o, "overfit-lr", 1e-3), WarmupSteps = 20, WeightDecay = 0, Seed = 0 },
            OutDirectory = Path.Combine(root, $"run-{DateTime.UtcNow:yyyyMMddHHmmss}"),
            Train = pairs,
            Validation = pairs,
            Backbone = backbone,
            ImageSize = imageSize,
            Flip = false,
            BatchSize = 3,
        };
        var result = DepthTraining.Run(setup, resume: false);
        using var head = result.Head;
        Console.WriteLine("### DPT head overfitting the 3 real NYU pairs (../shared/datasets-real/nyu)\n");
        Console.WriteLine($"Train = evaluation = the 3 pairs; tiny random-weight backbone at {imageSize}x{imageSize}, {epochs} epochs (one batch each), " +
                          $"Eigen crop at 480x640; {clock.Elapsed.TotalSeconds:F0} s.\n");
        PrintTable(result.LastEvaluation!);
    }

    private static void Speed(Dictionary<string, string> o)
    {
        Console.WriteLine("### Speed\n");
        Console.WriteLine("| what | figure |\n| --- | --- |");
        // Training steps/s: tiny backbone at 256, batch 8, DPT features 64 (as the learning run), from the cache vs online.
        string root = o.GetValueOrDefault("root") ?? Path.Combine(Path.GetTempPath(), "pe-depth-bench");
        var split = SyntheticScenes.WriteNyu(root, "train", Int(o, "train", 400), seed: 1000);
        var source = new NyuSampleSource(split.ListFile, split.DataFolder).Take(64);
        using (var backbone = PeBackbone.CreateRandom(TinyConfig(256), seed: 7))
        {
            var layers = DptDepthConfig.DefaultLayers(backbone.Depth);
            string cache = Path.Combine(root, "cache-speed");
            FeatureCache.Build(backbone, source, new FeatureCacheOptions { Directory = cache, Layers = layers, ImageSize = 256, DatasetKind = "nyu", Split = "speed" });
            foreach (bool cached in new[] { true, false })
            {
                var setup = new DepthTrainingSetup
                {
                    Head = new DptDepthConfig { Features = 64 },
                    Options = new TrainOptions { Epochs = 1, WarmupSteps = 1 },
                    OutDirectory = Path.Combine(root, $"speed-{(cached ? "cache" : "online")}-{Guid.NewGuid():N}"),
                    Train = source,
                    Backbone = backbone,
                    TrainCache = cached ? cache : null,
                    BatchSize = 8,
                    Flip = false,
                };
                var times = new List<double>();
                var sw = Stopwatch.StartNew();
                using var result = DepthTraining.Run(setup, resume: false, onStep: _ => { times.Add(sw.Elapsed.TotalSeconds); sw.Restart(); }).Head;
                double best = times.Skip(1).DefaultIfEmpty(times[0]).Min();
                Console.WriteLine($"| DPT training step, tiny backbone @256, batch 8, {(cached ? "from the cache" : "online (backbone runs)")} | {1 / best:F2} steps/s ({best * 1000:F0} ms) |");
            }
        }
        foreach (string name in new[] { "PE-Spatial-T16-512", "PE-Spatial-B16-512" })
        {
            using var backbone = PeBackbone.CreateRandom(PeConfigs.Get(name), seed: 1);
            var spec = Heads.BackboneSpec.Of(backbone);
            using var image = rand(1, 3, 480, 640) * 2 - 1;
            double backboneOnly = BenchUtil.BestSeconds(() => { using var f = backbone.Extract(image, [backbone.Depth - 1]); }, repeats: 3);
            Console.WriteLine($"| {name} alone, 480x640 | {1 / backboneOnly:F2} images/s ({backboneOnly * 1000:F0} ms) |");
            foreach (var (label, config) in new (string, DepthHeadConfig)[]
            {
                ("linear (last block, class token, 256 bins)", new Heads.Depth.Linear.LinearDepthConfig { Output = Heads.Depth.Readout.DepthOutput.Dinov2Bins }),
                ("DPT (features 256)", new DptDepthConfig()),
            })
            {
                using var head = config.Create(spec);
                head.eval();
                double seconds = BenchUtil.BestSeconds(() =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    using var f = backbone.Extract(image, head.Layers);
                    head.Predict(f);
                }, repeats: 3);
                Console.WriteLine($"| {name} + {label}, 480x640 | {1 / seconds:F2} images/s ({seconds * 1000:F0} ms) |");
            }
        }
        Console.WriteLine();
    }

    /// <summary>Forward and backward time of the DPT head alone on random features (no data, no backbone).</summary>
    private static void Profile(Dictionary<string, string> o)
    {
        int batch = Int(o, "batch", 8), grid = Int(o, "grid", 16), features = Int(o, "features", 64);
        var spec = new Heads.BackboneSpec("tiny", "random:7", 16, 192, 6, true, true);
        using var head = new DptDepthConfig { Features = features }.Create(spec);
        var layers = head.Layers;
        using var maps = new FeatureMaps(layers, [.. layers.Select(_ => randn(batch, 192, grid, grid))], [.. layers.Select(_ => randn(batch, 192))]);
        using var depth = rand(batch, 1, grid * 16, grid * 16) * 5 + 1;
        using var targets = new DepthGroundTruth(depth.alias(), depth > 0);
        double forward = BenchUtil.BestSeconds(() => { using var s = NewDisposeScope(); using var g = no_grad(); head.Forward(maps); });
        double both = BenchUtil.BestSeconds(() => { using var s = NewDisposeScope(); head.zero_grad(); head.Loss(maps, targets).Total.backward(); });
        Console.WriteLine($"DPT F={features}, batch {batch}, grid {grid}: forward {forward * 1000:F0} ms, forward+backward {both * 1000:F0} ms");
        // The stages of a DPT forward at 480x640 with 256 features, one image (patch 16: grid 30x40).
        using var noGrad = no_grad();
        void Time(string what, long c, long h, long w, Func<Tensor, Tensor> op, double gmac)
        {
            using var x = randn(1, c, h, w);
            double t = BenchUtil.BestSeconds(() => { using var s = NewDisposeScope(); op(x); });
            Console.WriteLine($"{what}: {t * 1000:F0} ms ({gmac / t:F1} GMAC/s)");
        }
        using var rcu = nn.Conv2d(256, 256, 3, padding: 1);
        using var oc1 = nn.Conv2d(256, 128, 3, padding: 1);
        using var oc2 = nn.Conv2d(128, 32, 3, padding: 1);
        using var proj = nn.Conv2d(256, 256, 1);
        Time("conv3x3 256->256 @120x160", 256, 120, 160, x => rcu.forward(x), 19200.0 * 256 * 256 * 9 / 1e9);
        Time("interp 256ch 120x160->240x320 (align)", 256, 120, 160, x => nn.functional.interpolate(x, [240, 320], mode: InterpolationMode.Bilinear, align_corners: true), 0);
        Time("conv1x1 256->256 @240x320", 256, 240, 320, x => proj.forward(x), 76800.0 * 256 * 256 / 1e9);
        Time("conv3x3 256->128 @240x320", 256, 240, 320, x => oc1.forward(x), 76800.0 * 256 * 128 * 9 / 1e9);
        Time("interp 128ch 240x320->480x640 (align)", 128, 240, 320, x => nn.functional.interpolate(x, [480, 640], mode: InterpolationMode.Bilinear, align_corners: true), 0);
        Time("conv3x3 128->32 @480x640", 128, 480, 640, x => oc2.forward(x), 307200.0 * 128 * 32 * 9 / 1e9);
    }

    private static void PrintTable(DepthEvaluation e)
    {
        string[] keys = ["abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog", "d1", "d2", "d3"];
        Console.WriteLine($"| predictor | {string.Join(" | ", keys)} |");
        Console.WriteLine($"| --- |{string.Concat(keys.Select(_ => " ---: |"))}");
        void Row(string name, IReadOnlyDictionary<string, double>? m)
        {
            if (m == null) return;
            Console.WriteLine($"| {name} | {string.Join(" | ", keys.Select(k => m[k].ToString("F3", CultureInfo.InvariantCulture)))} |");
        }
        Row("DPT head", e.Head);
        Row("constant median (baseline)", e.Constant);
        Row("per-pixel training median (baseline)", e.PixelMedian);
        Console.WriteLine($"\n{e.Head["count"]} images.\n");
    }

    private static string FindShared(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine([dir.FullName, "shared", .. parts]);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"../shared/{string.Join("/", parts)} not found; pass --nyu DIR.");
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length - 1; i++)
            if (args[i].StartsWith("--", StringComparison.Ordinal)) options[args[i][2..]] = args[++i];
        return options;
    }

    private static int Int(Dictionary<string, string> o, string key, int fallback) =>
        o.TryGetValue(key, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static double Double(Dictionary<string, string> o, string key, double fallback) =>
        o.TryGetValue(key, out string? v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
