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
/// The detection head's benchmarks, each printing a Markdown section for bench/RESULTS.md:
/// <list type="bullet">
/// <item><c>learn-synthetic</c>: synthetic scenes on a tiny random-weight PE, data + cache + training + held-out COCO bbox AP;</item>
/// <item><c>learn-coco</c>: the single real COCO val2017 image of ../shared/datasets-real/coco, trained and evaluated on itself;</item>
/// <item><c>speed</c>: head training steps/s from a feature cache vs online with PE-Spatial-T16-512 (random weights),
/// and inference images/s of PE-Spatial-T/B + head at 512 and 1024.</item>
/// </list>
/// <code>
/// bench detection [learn-synthetic|learn-coco|speed|all] [--key value ...]
/// </code>
/// Options of every mode are read with <see cref="Options.Get(string, int)"/>; see each mode for its keys.
/// </summary>
public static class DetectionBench
{
    public static int Run(string[] args)
    {
        // Figures print with '.' decimals whatever the machine's culture.
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        var options = Options.Parse(args.SkipWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray());
        if (options.Get("threads", 0) is > 0 and int threads) set_num_threads(threads);
        switch (mode)
        {
            case "learn-synthetic": Measured(() => LearnSynthetic(options)); break;
            case "learn-coco": Measured(() => LearnCoco(options)); break;
            case "speed": Measured(() => Speed(options)); break;
            case "all":
                Measured(() => LearnSynthetic(options));
                Measured(() => LearnCoco(options));
                Measured(() => Speed(options));
                break;
            default:
                Console.Error.WriteLine("usage: bench detection [learn-synthetic|learn-coco|speed|all] [--key value ...]");
                return 2;
        }
        return 0;
    }

    /// <summary>
    /// The tiny random-weight PE of the learning runs: PE-Spatial-T16-512's architecture (patch 16, width 192, 3 heads,
    /// class token, RoPE) with fewer blocks (<c>--depth</c>, default 4, as the demo's); <c>--width</c> changes the width
    /// (one head per 64 channels). Its residual stream still carries each patch's content.
    /// </summary>
    public static PeConfig TinyConfig(Options o, int imageSize)
    {
        int width = o.Get("width", 192), depth = o.Get("depth", 4);
        return PeConfigs.Get("PE-Spatial-T16-512") with
        {
            Name = $"PE-Spatial-T16 shape, width {width}, {depth} blocks, random",
            Width = width,
            Heads = width / 64,
            Layers = depth,
            ImageSize = imageSize,
        };
    }

    /// <summary>
    /// Synthetic scenes (320x240, <see cref="SyntheticScenes.WriteCoco"/>) squashed to <c>--size</c>, features of the tiny
    /// random PE cached, the FCOS head trained on the cache and evaluated on held-out scenes.
    /// Keys: train, val, size, width, depth, channels, levels, towers, epochs, batch, lr, wd, warmup, eval-every, work.
    /// </summary>
    private static void LearnSynthetic(Options o)
    {
        var total = Stopwatch.StartNew();
        int trainCount = o.Get("train", 400), valCount = o.Get("val", 100), size = o.Get("size", 256);
        var config = TinyConfig(o, size);
        int backboneSeed = o.Get("backbone-seed", 7);
        string work = o.Get("work", Path.Combine(Path.GetTempPath(), "pe-det-bench"));
        string dataRoot = Path.Combine(work, $"synthetic-{trainCount}-{valCount}");
        var sw = Stopwatch.StartNew();
        SyntheticScenes.WriteCoco(dataRoot, "train", trainCount, seed: 1);
        SyntheticScenes.WriteCoco(dataRoot, "val", valCount, seed: 2);
        double dataSeconds = sw.Elapsed.TotalSeconds;

        var train = CocoSampleSource.Open(dataRoot, "train");
        var val = CocoSampleSource.Open(dataRoot, "val");
        sw.Restart();
        string cacheTag = $"w{config.Width}d{config.Layers}s{backboneSeed}-{size}";
        using (var backbone = PeBackbone.CreateRandom(config, seed: backboneSeed))
        {
            foreach (var (source, name) in new[] { (train, "train"), (val, "val") })
            {
                FeatureCache.Build(backbone, source, new FeatureCacheOptions
                {
                    Directory = Path.Combine(dataRoot, $"cache-{name}-{cacheTag}"),
                    Layers = [-1],
                    ImageSize = size,
                    BatchSize = 8,
                    DatasetKind = "coco",
                    Split = name,
                });
            }
        }
        double cacheSeconds = sw.Elapsed.TotalSeconds;
        using var trainFeatures = CachedFeatureSource.Open(Path.Combine(dataRoot, $"cache-train-{cacheTag}"));
        using var valFeatures = CachedFeatureSource.Open(Path.Combine(dataRoot, $"cache-val-{cacheTag}"));

        var head = HeadConfig(o, channels: 64, levels: "3,4,5", towers: 2);
        var setup = new DetectionTrainingSetup
        {
            TrainSource = train,
            TrainFeatures = trainFeatures,
            ValSource = val,
            ValFeatures = valFeatures,
            Backbone = BackboneSpec.Of(trainFeatures.Info),
            InputSize = size,
            Head = head,
            BatchSize = o.Get("batch", 8),
            OutputDirectory = Path.Combine(work, $"head-{DateTime.UtcNow:yyyyMMddHHmmssfff}"),
            Train = new TrainOptions
            {
                Epochs = o.Get("epochs", 4),
                LearningRate = o.Get("lr", 2e-3),
                WeightDecay = o.Get("wd", 1e-4),
                WarmupSteps = o.Get("warmup", 50),
                Seed = 1,
                EvalEvery = o.Get("eval-every", 1),
                ClipGradNorm = 5.0,
            },
        };
        var curve = new List<string>();
        sw.Restart();
        double lastStepAt = 0;
        int steps = 0;
        var outcome = DetectionTraining.Run(setup,
            onStep: s =>
            {
                lastStepAt = sw.Elapsed.TotalSeconds;
                steps = s.Step + 1;
                if (s.Step % 50 == 0) Console.Error.WriteLine(($"  step {s.Step} epoch {s.Epoch + 1} loss {s.Loss:F3} {lastStepAt:F0}s"));
            },
            onEvaluation: (epoch, r) =>
            {
                curve.Add(($"epoch {epoch + 1}: AP50 {r.Evaluation.Stats[1]:F3} ({sw.Elapsed.TotalSeconds:F0} s)"));
                Console.Error.WriteLine("  " + curve[^1]);
            });
        double runSeconds = sw.Elapsed.TotalSeconds;
        Directory.Delete(setup.OutputDirectory, recursive: true);
        var stats = outcome.LastValidation!.Evaluation.Stats;

        Console.WriteLine("### Detection learning run: synthetic scenes, tiny random-weight PE");
        Console.WriteLine();
        Console.WriteLine((
            $"{config.Name}: PE-Spatial-T16-512's architecture with width {config.Width}, {config.Heads} heads, {config.Layers} blocks, random weights (seed {backboneSeed}), last block's map. " +
            $"{trainCount} train / {valCount} held-out synthetic scenes (320x240, `SyntheticScenes.WriteCoco` seeds 1 / 2) squashed to {size}; " +
            $"bf16 feature cache. FCOS head: channels {head.Channels}, levels p{string.Join(",p", head.Levels)}, {head.TowerConvs} tower convs, " +
            $"{head.Quality}; {setup.Train.Epochs} epochs x {trainCount / setup.BatchSize} steps of {setup.BatchSize} images ({steps} steps), " +
            $"AdamW lr {setup.Train.LearningRate} (warm-up {setup.Train.WarmupSteps} steps, cosine), wd {setup.Train.WeightDecay}, clip 5."));
        Console.WriteLine();
        Console.WriteLine("| held-out bbox AP | AP50 | AP75 | data | cache | training | final eval | total |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        Console.WriteLine((
            $"| {stats[0]:F3} | **{stats[1]:F3}** | {stats[2]:F3} | {dataSeconds:F0} s | {cacheSeconds:F0} s | {lastStepAt:F0} s | " +
            $"{runSeconds - lastStepAt:F0} s | {total.Elapsed.TotalSeconds:F0} s |"));
        if (curve.Count > 1)
        {
            Console.WriteLine();
            Console.WriteLine("Held-out AP50 during training (intermediate evaluations are included in the training time): " + string.Join("; ", curve) + ".");
        }
        Console.WriteLine();
    }

    /// <summary>
    /// The real COCO val2017 image 39769 (two cats, two remotes, a couch, a bed): features of the tiny random PE
    /// cached once, the head trained on that one image for <c>--steps</c> steps and evaluated on it.
    /// Keys: coco (folder), coco-size, width, depth, steps, lr, warmup, channels, levels, towers.
    /// </summary>
    private static void LearnCoco(Options o)
    {
        var total = Stopwatch.StartNew();
        string coco = o.Get("coco", SharedPath("datasets-real", "coco"));
        var source = new CocoSampleSource(Path.Combine(coco, "annotations", "instances_val2017_39769_DERIVED.json"), Path.Combine(coco, "images"));
        int size = o.Get("coco-size", 512), steps = o.Get("steps", 300);
        var config = TinyConfig(o, size);
        string work = Path.Combine(o.Get("work", Path.Combine(Path.GetTempPath(), "pe-det-bench")), $"coco-{DateTime.UtcNow:yyyyMMddHHmmssfff}");
        var sw = Stopwatch.StartNew();
        using (var backbone = PeBackbone.CreateRandom(config, seed: o.Get("backbone-seed", 7)))
        {
            FeatureCache.Build(backbone, source, new FeatureCacheOptions
            {
                Directory = Path.Combine(work, "cache"),
                Layers = [-1],
                ImageSize = size,
                DatasetKind = "coco",
                Split = "val2017",
            });
        }
        double cacheSeconds = sw.Elapsed.TotalSeconds;
        using var features = CachedFeatureSource.Open(Path.Combine(work, "cache"));
        var head = HeadConfig(o, channels: 64, levels: "3,4,5", towers: 2);
        var setup = new DetectionTrainingSetup
        {
            TrainSource = source,
            TrainFeatures = features,
            ValSource = source,
            ValFeatures = features,
            Backbone = BackboneSpec.Of(features.Info),
            InputSize = size,
            Head = head,
            BatchSize = 1,
            OutputDirectory = Path.Combine(work, "head"),
            // One image: an epoch is one step.
            Train = new TrainOptions
            {
                Epochs = steps,
                LearningRate = o.Get("lr", 1e-3),
                WeightDecay = 1e-4,
                WarmupSteps = o.Get("warmup", 20),
                Seed = 1,
                ClipGradNorm = 5.0,
            },
        };
        sw.Restart();
        double lastStepAt = 0;
        var outcome = DetectionTraining.Run(setup, onStep: s =>
        {
            lastStepAt = sw.Elapsed.TotalSeconds;
            if (s.Step % 50 == 0) Console.Error.WriteLine(($"  step {s.Step} loss {s.Loss:F3} {lastStepAt:F0}s"));
        });
        double runSeconds = sw.Elapsed.TotalSeconds;
        var validation = outcome.LastValidation!;
        var stats = validation.Evaluation.Stats;
        Directory.Delete(work, recursive: true);

        var names = source.Categories;
        // Per ground-truth object: the best-scoring detection of its category that overlaps it with IoU >= 0.5.
        var found = source.Dataset.Annotations.Select(gt =>
        {
            var box = ToXyxy(gt.Bbox!.Value);
            var best = validation.Results.Where(r => r.CategoryId == gt.CategoryId)
                .Select(r => (r.Score, IoU: BoxXyxy.IoU(box, ToXyxy(r.Bbox!.Value))))
                .Where(r => r.IoU >= 0.5).OrderByDescending(r => r.Score).FirstOrDefault();
            return ($"{source.Categories.NameOf((int)gt.CategoryId)} {(best.IoU > 0 ? $"score {best.Score:F2} IoU {best.IoU:F2}" : "missed")}");
        }).ToList();

        Console.WriteLine("### Detection learning run: the real COCO val2017 image 39769");
        Console.WriteLine();
        Console.WriteLine((
            $"datasets-real/coco image 39769 (640x480; 2 cats, 2 remotes, couch, bed; the couch and bed boxes overlap with IoU 0.99) squashed to {size}; " +
            $"PE-Spatial-T16-512's architecture with {config.Layers} blocks (width {config.Width}), random weights, bf16 feature cache; FCOS head channels {head.Channels}, " +
            $"levels p{string.Join(",p", head.Levels)}, {head.TowerConvs} tower convs, 80 COCO classes; {steps} steps of that one image, " +
            $"AdamW lr {setup.Train.LearningRate}; evaluated on the same image (score threshold 0.05)."));
        Console.WriteLine();
        Console.WriteLine("| bbox AP | AP50 | AP75 | AR100 | cache | training + eval | total |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        Console.WriteLine(($"| {stats[0]:F3} | **{stats[1]:F3}** | {stats[2]:F3} | {stats[8]:F3} | {cacheSeconds:F1} s | {runSeconds:F0} s | {total.Elapsed.TotalSeconds:F0} s |"));
        Console.WriteLine();
        Console.WriteLine("Best detection of each object's category at IoU >= 0.5: " + string.Join("; ", found) + ".");
        Console.WriteLine();
    }

    /// <summary>
    /// Speed with PE-Spatial-T16-512's shape and random weights (the speed does not depend on the weights): head training
    /// steps/s from a feature cache vs online at 512, and inference (preprocessing, backbone, head, post-processing)
    /// images/s of PE-Spatial-T and -B + head at 512 and 1024. The head is `pe train det`'s default (128 channels,
    /// p3-p6, 4 tower convs). Keys: train-batch, train-steps, repeats, infer-batch, sizes, models.
    /// </summary>
    private static void Speed(Options o)
    {
        int batch = o.Get("train-batch", 4), trainSteps = o.Get("train-steps", 4), repeats = o.Get("repeats", 2);
        string work = Path.Combine(o.Get("work", Path.Combine(Path.GetTempPath(), "pe-det-bench")), $"speed-{DateTime.UtcNow:yyyyMMddHHmmssfff}");
        string dataRoot = Path.Combine(work, "data");
        int images = batch * (trainSteps + 1);
        SyntheticScenes.WriteCoco(dataRoot, "train", images, seed: 3);
        var source = CocoSampleSource.Open(dataRoot, "train");
        var head = new FcosConfig { Layers = [], BackboneWidth = 0, PatchSize = 0, NumClasses = 0 };
        var rows = new List<string>();

        var tConfig = PeConfigs.Get("PE-Spatial-T16-512");
        double cacheImagesPerSecond;
        var trainRates = new Dictionary<string, double>();
        using (var backbone = PeBackbone.CreateRandom(tConfig, seed: 7))
        {
            var sw = Stopwatch.StartNew();
            FeatureCache.Build(backbone, source, new FeatureCacheOptions
            {
                Directory = Path.Combine(work, "cache"),
                Layers = [-1],
                ImageSize = 512,
                BatchSize = batch,
                DatasetKind = "coco",
                Split = "train",
            });
            cacheImagesPerSecond = images / sw.Elapsed.TotalSeconds;
            using var cached = CachedFeatureSource.Open(Path.Combine(work, "cache"));
            using var online = new OnlineFeatureSource(backbone, [-1]);
            foreach (var (name, features) in new (string, IFeatureSource)[] { ("cache", cached), ("online", online) })
            {
                // One epoch of trainSteps + 1 steps; the first (warm-up) is not timed.
                var stepTimes = new List<double>();
                var lap = Stopwatch.StartNew();
                DetectionTraining.Run(new DetectionTrainingSetup
                {
                    TrainSource = source,
                    TrainFeatures = features,
                    Backbone = BackboneSpec.Of(features.Info),
                    InputSize = 512,
                    Head = head,
                    BatchSize = batch,
                    OutputDirectory = Path.Combine(work, $"head-{name}"),
                    Train = new TrainOptions { Epochs = 1, LearningRate = 1e-4, WarmupSteps = 0, Seed = 1, ClipGradNorm = 5.0 },
                }, onStep: s =>
                {
                    stepTimes.Add(lap.Elapsed.TotalSeconds);
                    lap.Restart();
                });
                trainRates[name] = stepTimes.Count > 1 ? 1 / stepTimes.Skip(1).Min() : double.NaN;
                Console.Error.WriteLine(($"  training from the {name}: steps {string.Join(" ", stepTimes.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))} s"));
            }
        }

        int inferBatch = o.Get("infer-batch", 1);
        var image = SyntheticScenes.RenderItem(3, 0, new SceneOptions { Width = 640, Height = 480 }).Image;
        foreach (string model in o.Get("models", "T,B").Split(','))
        {
            var config = PeConfigs.Get($"PE-Spatial-{model}16-512");
            using var backbone = PeBackbone.CreateRandom(config, seed: 7);
            using var detector = new FcosDetector(head with { Layers = [config.Layers - 1], BackboneWidth = config.Width, PatchSize = 16, NumClasses = 80 }, initSeed: 1);
            detector.Module.eval();
            foreach (int size in o.Get("sizes", "512,1024").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
            {
                var batchImages = Enumerable.Repeat(image, inferBatch).ToArray();
                double seconds = BenchUtil.BestSeconds(() =>
                {
                    using var scope = NewDisposeScope();
                    var input = PeImageTransform.ToBatch(batchImages, size, config.PatchSize);   // [B, 3, S, S]
                    using var features = backbone.Extract(input, detector.Layers);
                    detector.Predict(features);
                }, repeats: repeats, warmup: 1);
                rows.Add(($"| {config.Name} + head | {size} | {inferBatch / seconds:F2} | {seconds / inferBatch:F2} s |"));
                Console.Error.WriteLine("  " + rows[^1]);
            }
        }
        Directory.Delete(work, recursive: true);

        Console.WriteLine("### Detection speed: PE-Spatial-T/B (random weights) + FCOS head");
        Console.WriteLine();
        Console.WriteLine((
            $"Head: `pe train det`'s default (128 channels, p3-p6, 4 tower convs, 80 classes for inference, 6 for training). " +
            $"Training: batches of {batch} synthetic scenes squashed to 512, AdamW; best of {trainSteps} timed steps after a warm-up step; " +
            $"the cache is bf16 (PE-Spatial-T16-512 features, built at {cacheImagesPerSecond:F2} images/s); online runs the float32 backbone " +
            $"on every batch (with flips). Inference: batch {inferBatch}, a 640x480 image squashed to the size, preprocessing + backbone + " +
            $"head + post-processing, best of {repeats} after a warm-up."));
        Console.WriteLine();
        Console.WriteLine("| head training at 512 (PE-Spatial-T16-512) | steps/s | images/s |");
        Console.WriteLine("|---|---|---|");
        foreach (var (name, rate) in trainRates)
            Console.WriteLine(($"| {(name == "cache" ? "from the feature cache" : "online (backbone forward every step)")} | {rate:F3} | {rate * batch:F2} |"));
        Console.WriteLine();
        Console.WriteLine("| inference | input | images/s | per image |");
        Console.WriteLine("|---|---|---|---|");
        foreach (string row in rows) Console.WriteLine(row);
        Console.WriteLine();
    }

    private static FcosConfig HeadConfig(Options o, int channels, string levels, int towers) => new()
    {
        Layers = [],
        BackboneWidth = 0,
        PatchSize = 0,
        NumClasses = 0,
        Channels = o.Get("channels", channels),
        TowerConvs = o.Get("towers", towers),
        Levels = o.Get("levels", levels).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
        Quality = o.Get("quality", "centreness") == "iou" ? FcosQuality.IoU : FcosQuality.Centreness,
    };

    /// <summary>Runs one mode and prints the conditions it ran under: threads, load average, wall and CPU time.</summary>
    private static void Measured(Action mode)
    {
        string loadBefore = LoadAverage();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        mode();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine((
            $"Conditions: {get_num_threads()} torch threads, load average (1 min) {loadBefore} before / {LoadAverage()} after, " +
            $"{wall.Elapsed.TotalSeconds:F0} s wall, {cpuSeconds:F0} s CPU (all threads). Provisional (machine shared)."));
        Console.WriteLine();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>A path under ../shared (PE_SHARED, or a <c>shared</c> folder beside an ancestor of the program).</summary>
    private static string SharedPath(params string[] parts)
    {
        string? root = Environment.GetEnvironmentVariable("PE_SHARED");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); string.IsNullOrEmpty(root) && dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "datasets-real"))) root = candidate;
        }
        return Path.Combine([root ?? throw new DirectoryNotFoundException("../shared not found: set PE_SHARED or pass --coco."), .. parts]);
    }

    private static BoxXyxy ToXyxy(Eval.Masks.BoxXywh b) => BoxXyxy.FromXywh(b.X, b.Y, b.Width, b.Height);

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
