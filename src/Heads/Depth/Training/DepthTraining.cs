using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;
using PerceptionEncoder.Heads.Depth.Evaluation;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;
using SampleDepthMap = PerceptionEncoder.Data.Samples.DepthTarget;

namespace PerceptionEncoder.Heads.Depth.Training;

/// <summary>
/// A depth-head training run on the shared <see cref="HeadTrainer{TTargets, TPrediction}"/>: builds the head and
/// the feature sources, fits the two baselines on the training ground truth, validates every N epochs (NYU
/// metrics of the head and of the baselines on the same images), and exports the head after each epoch.
/// </summary>
public static class DepthTraining
{
    public const string MetricsFileName = "metrics.json";
    public const string BaselinesFileName = "baselines.json";
    public const string PixelMedianFileName = "baseline_pixel_median.npy";

    /// <param name="resume">Continue the run in the output folder from its last finished epoch.</param>
    /// <param name="onStep">Called after every optimiser step.</param>
    /// <param name="onEvaluation">Called after every validation.</param>
    public static DepthTrainingResult Run(DepthTrainingSetup setup, bool resume, Action<StepRecord>? onStep = null,
        Action<int, DepthEvaluation>? onEvaluation = null, CancellationToken cancel = default)
    {
        if (setup.TrainCache == null && setup.Backbone == null)
            throw new ArgumentException("a depth training run needs a backbone (online features) or a training feature cache.");
        var disposables = new List<IDisposable>();
        try
        {
            var (trainFeatures, spec) = OpenTrainFeatures(setup, disposables);
            manual_seed(setup.Options.Seed);
            var head = setup.Head.Create(spec);
            if (!head.Layers.All(trainFeatures.Info.Layers.Contains))
                throw new InvalidDataException(
                    $"the feature cache {setup.TrainCache} holds layers [{string.Join(", ", trainFeatures.Info.Layers)}] but the head reads [{string.Join(", ", head.Layers)}]; make a cache with those layers.");
            int imageSize = trainFeatures.Info.ImageSize ?? setup.ImageSize ?? setup.Backbone!.ImageSize;
            var train = setup.TrainCache != null && trainFeatures is CachedFeatureSource cached ? setup.Train.WhereId(cached.Contains) : setup.Train;
            if (train.Count == 0) throw new InvalidDataException($"{setup.Train.Name}: no training item (in the cache).");

            var transform = trainFeatures.FixedTransform ?? (setup.Flip
                ? SampleTransform.Compose(new SquashResize(imageSize), new HorizontalFlip())
                : new SquashResize(imageSize));
            var loader = new DataLoader(train, transform, new DataLoaderOptions
            {
                BatchSize = setup.BatchSize,
                Shuffle = true,
                Seed = setup.Options.Seed,
                Workers = setup.Workers,
                Parts = SampleParts.Depth | (trainFeatures.NeedsImages ? SampleParts.Image : SampleParts.None),
                SizeDivisibility = spec.PatchSize,
            });
            var data = new DepthTrainingData(loader, trainFeatures);

            Directory.CreateDirectory(setup.OutDirectory);
            var validationFeatures = OpenValidationFeatures(setup, head, disposables);
            DepthBaselines? baselines = null;
            if (setup.Validation != null && validationFeatures != null)
                baselines = LoadOrFitBaselines(setup, train, head.Range);

            var metadata = new HeadMetadata
            {
                Task = head.Task,
                Head = head.Config,
                Layers = head.Layers,
                Backbone = spec,
                Input = new HeadInput("squash", imageSize),
            };
            var trainer = new HeadTrainer<DepthGroundTruth, Tensor>(head, spec, setup.Options, setup.OutDirectory, metadata);
            if (onStep != null) trainer.StepDone += onStep;
            DepthEvaluation? last = null;
            Func<int, IReadOnlyDictionary<string, double>>? evaluate = null;
            if (setup.Validation != null && validationFeatures != null)
            {
                var validationTransform = validationFeatures.FixedTransform ?? new SquashResize(imageSize);
                evaluate = epoch =>
                {
                    last = DepthValidation.Evaluate(head, validationFeatures, setup.Validation, validationTransform,
                        setup.BatchSize, baselines, setup.EigenCrop);
                    WriteMetrics(setup.OutDirectory, epoch, last, baselines);
                    onEvaluation?.Invoke(epoch, last);
                    return last.Head;
                };
            }
            var progress = trainer.Train(data, resume, evaluate, cancel);
            return new DepthTrainingResult(head, progress, last, baselines);
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    private static (IFeatureSource Source, BackboneSpec Spec) OpenTrainFeatures(DepthTrainingSetup setup, List<IDisposable> disposables)
    {
        if (setup.TrainCache != null)
        {
            var cache = CachedFeatureSource.Open(setup.TrainCache);
            disposables.Add(cache);
            var b = cache.Manifest.Backbone;
            var spec = new BackboneSpec(b.Name, b.Weights, b.PatchSize, b.Width, b.Depth, b.ClassToken, b.RandomWeights);
            if (setup.Backbone != null)
                cache.EnsureBackbone(setup.Backbone.Name, setup.Backbone.WeightsId);
            return (cache, spec);
        }
        var backbone = setup.Backbone!;
        var online = new OnlineFeatureSource(backbone, Enumerable.Range(0, backbone.Depth).Where(l => UsedLayers(setup, backbone.Depth).Contains(l)));
        disposables.Add(online);
        return (online, BackboneSpec.Of(backbone));
    }

    /// <summary>The 0-based layers the configured head will read from a backbone of <paramref name="depth"/> blocks.</summary>
    private static HashSet<int> UsedLayers(DepthTrainingSetup setup, int depth)
    {
        var probe = new BackboneSpec("probe", "probe", 16, 8, depth, setup.Backbone?.HasClassToken ?? false, true);
        return setup.Head switch
        {
            Linear.LinearDepthConfig linear => [.. linear.Resolve(probe).Layers!],
            Dpt.DptDepthConfig dpt => [.. dpt.Resolve(probe).Layers!],
            _ => throw new ArgumentException($"unknown depth head config {setup.Head.GetType().Name}"),
        };
    }

    private static IFeatureSource? OpenValidationFeatures(DepthTrainingSetup setup, DepthHead head, List<IDisposable> disposables)
    {
        if (setup.Validation == null) return null;
        if (setup.ValidationCache != null)
        {
            var cache = CachedFeatureSource.Open(setup.ValidationCache, head.Layers);
            disposables.Add(cache);
            var b = cache.Manifest.Backbone;
            head.Backbone.EnsureSameAs(new BackboneSpec(b.Name, b.Weights, b.PatchSize, b.Width, b.Depth, b.ClassToken, b.RandomWeights),
                Path.Combine(setup.ValidationCache, FeatureCache.ManifestFileName));
            return cache;
        }
        if (setup.Backbone == null) return null;
        var online = new OnlineFeatureSource(setup.Backbone, head.Layers);
        disposables.Add(online);
        return online;
    }

    private static DepthBaselines LoadOrFitBaselines(DepthTrainingSetup setup, ISampleSource train, DepthRange range)
    {
        string json = Path.Combine(setup.OutDirectory, BaselinesFileName);
        string npy = Path.Combine(setup.OutDirectory, PixelMedianFileName);
        var (gh, gw) = setup.BaselineGrid;
        string ids = string.Join("\n", Enumerable.Range(0, train.Count).Select(train.ItemId));
        string identity = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ids)));
        if (File.Exists(json) && File.Exists(npy))
        {
            var stored = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
            if (stored["train_ids_sha256"]?.GetValue<string>() == identity && stored["grid_height"]?.GetValue<int>() == gh
                && stored["grid_width"]?.GetValue<int>() == gw)
            {
                var (medians, _) = Npy.ReadFloat32(npy);
                return DepthBaselines.FromStored(stored["constant"]!.GetValue<float>(), gh, gw, medians, stored["images"]!.GetValue<int>());
            }
        }
        var maps = new SampleDepthMap[train.Count];
        Parallel.For(0, train.Count, new ParallelOptions { MaxDegreeOfParallelism = setup.Workers }, i =>
            maps[i] = train.Load(i, SampleParts.Depth).Depth ?? throw new InvalidDataException(
                $"{train.Name}: item '{train.ItemId(i)}' has no depth."));
        var baselines = DepthBaselines.Fit(maps, range, gh, gw);
        Npy.WriteFloat32(npy, baselines.PixelMedian, gh, gw);
        AtomicFile.WriteAllText(json, new JsonObject
        {
            ["constant"] = baselines.Constant,
            ["grid_height"] = gh,
            ["grid_width"] = gw,
            ["images"] = baselines.Images,
            ["train_ids_sha256"] = identity,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return baselines;
    }

    /// <summary>Writes <c>metrics.json</c>: the epoch, the head's metrics and the baselines' on the same images.</summary>
    private static void WriteMetrics(string directory, int epoch, DepthEvaluation evaluation, DepthBaselines? baselines)
    {
        static JsonObject ToJson(IReadOnlyDictionary<string, double> m) =>
            new(m.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(double.IsFinite(p.Value) ? p.Value : (double?)null))));
        var root = new JsonObject { ["epoch"] = epoch + 1, ["head"] = ToJson(evaluation.Head) };
        if (evaluation.Constant != null && evaluation.PixelMedian != null)
        {
            root["baselines"] = new JsonObject
            {
                ["depth_constant"] = ToJson(evaluation.Constant),
                ["depth_pixel_median"] = ToJson(evaluation.PixelMedian),
                ["constant_metres"] = baselines?.Constant,
            };
        }
        AtomicFile.WriteAllText(Path.Combine(directory, MetricsFileName), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
