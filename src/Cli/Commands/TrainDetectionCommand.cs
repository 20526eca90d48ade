using System.CommandLine;
using System.Globalization;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Cli.Report;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Detection.Training;
using PerceptionEncoder.Heads.Training;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe train det --checkpoint BACKBONE (--data-root DIR | --cache DIR [--val-cache DIR]) --out HEAD ...</c>: trains
/// the FCOS detection head on frozen features of a COCO-layout dataset (real or synthetic), online or from a feature
/// cache, evaluating COCO bbox AP on the validation split; writes the head checkpoint, loss.csv and loss.png.
/// </summary>
internal static class TrainDetectionCommand
{
    internal static Command Create()
    {
        var shared = new TrainingCliOptions();
        var layers = new Option<string>("--layers") { Description = "Backbone blocks the head reads (0-based, negative from the end), comma-separated.", DefaultValueFactory = _ => "-1" };
        var imageSize = new Option<int?>("--image-size") { Description = "Squash-resize images to N x N (default: the backbone's image_size; with --cache, the cache's)." };
        var channels = new Option<int>("--channels") { Description = "Channels of the pyramid and head towers (a multiple of 16).", DefaultValueFactory = _ => 128 };
        var levels = new Option<string>("--levels") { Description = "Pyramid levels p<k> (stride patch*2^(k-4)), contiguous, e.g. 3,4,5,6.", DefaultValueFactory = _ => "3,4,5,6" };
        var towerConvs = new Option<int>("--tower-convs") { Description = "3x3 convolutions per head tower.", DefaultValueFactory = _ => 4 };
        var quality = new Option<string>("--quality") { Description = "Quality branch: centreness (FCOS) or iou.", DefaultValueFactory = _ => "centreness" };
        quality.AcceptOnlyFromAmong("centreness", "iou");
        var centreRadius = new Option<double>("--centre-radius") { Description = "Centre sampling radius in strides (0: the whole box).", DefaultValueFactory = _ => 1.5 };
        var backboneDtype = new Option<string>("--backbone-dtype", "--dtype") { Description = "Backbone compute dtype online: fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        backboneDtype.AcceptOnlyFromAmong("fp32", "bf16");
        var noFlip = new Option<bool>("--no-flip") { Description = "No random horizontal flips (online training)." };
        var trainImages = new Option<int?>("--train-images") { Description = "Train on the first N images of the split only." };
        var valImages = new Option<int?>("--val-images") { Description = "Validate on the first N images of the split only." };

        var command = new Command("det", "Train the detection head (simple feature pyramid + FCOS) on frozen backbone features of a COCO-layout dataset.");
        shared.AddTo(command);
        foreach (Option option in new Option[] { layers, imageSize, channels, levels, towerConvs, quality, centreRadius, backboneDtype, noFlip, trainImages, valImages })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            string checkpoint = parse.GetValue(shared.Checkpoint) ?? throw new CliUsageException("--checkpoint is required: the backbone checkpoint the head learns from.");
            var layerList = FeaturesCommand.ParseLayers(parse.GetValue(layers)!);
            var levelList = ParseLevels(parse.GetValue(levels)!);
            int batchSize = parse.GetValue(shared.BatchSize);
            if (batchSize < 1) throw new CliUsageException($"--batch-size must be at least 1 (got {batchSize}).");
            if (parse.GetValue(imageSize) is < 1) throw new CliUsageException($"--image-size must be positive (got {parse.GetValue(imageSize)}).");
            var device = GlobalOptions.ApplyTorchSettings(parse);
            var console = parse.InvocationConfiguration.Output;
            var train = shared.ToTrainOptions(parse);
            string? cache = parse.GetValue(shared.Cache), valCache = parse.GetValue(shared.ValCache), dataRoot = parse.GetValue(shared.DataRoot);
            if (valCache != null && cache == null) throw new CliUsageException("--val-cache goes with --cache.");
            string valSplit = parse.GetValue(shared.ValSplit)!;
            bool validate = !string.Equals(valSplit, "none", StringComparison.OrdinalIgnoreCase);

            PeBackbone? backbone = null;
            PeBackbone Backbone() => backbone ??= BackboneLoading.Open(checkpoint, parse.GetValue(shared.Config), BackboneLoading.DTypeOf(parse.GetValue(backboneDtype)), device);
            var disposables = new List<IDisposable>();
            try
            {
                IFeatureSource trainFeatures;
                IFeatureSource? valFeatures = null;
                BackboneSpec spec;
                int inputSize;
                if (cache != null)
                {
                    var cached = CachedFeatureSource.Open(cache, layerList, device);
                    disposables.Add(cached);
                    spec = SpecOf(cached.Manifest, CheckpointIdentity(checkpoint, cached));
                    trainFeatures = cached;
                    inputSize = cached.Manifest.ImageSize;
                    if (parse.GetValue(imageSize) is { } asked && asked != inputSize)
                        throw new CliUsageException($"--image-size {asked} differs from the cache's {inputSize}; leave it out or make a cache at that size.");
                    if (valCache != null)
                    {
                        var cachedVal = CachedFeatureSource.Open(valCache, layerList, device);
                        disposables.Add(cachedVal);
                        SpecOf(cachedVal.Manifest, CheckpointIdentity(checkpoint, cachedVal)).EnsureSameAs(spec, Path.Combine(valCache, FeatureCache.ManifestFileName));
                        if (cachedVal.Manifest.ImageSize != inputSize)
                            throw new InvalidDataException($"{valCache}: the validation cache holds {cachedVal.Manifest.ImageSize}x{cachedVal.Manifest.ImageSize} images, the training cache {inputSize}x{inputSize}.");
                        valFeatures = cachedVal;
                    }
                    else if (validate)
                    {
                        valFeatures = new OnlineFeatureSource(Backbone(), layerList);
                    }
                }
                else
                {
                    var online = new OnlineFeatureSource(Backbone(), layerList);
                    spec = BackboneSpec.Of(Backbone());
                    trainFeatures = online;
                    valFeatures = online;
                    inputSize = parse.GetValue(imageSize) ?? Backbone().ImageSize;
                    if (inputSize % Backbone().PatchSize != 0)
                        throw new CliUsageException($"--image-size {inputSize} is not a multiple of the patch {Backbone().PatchSize}; use {inputSize / Backbone().PatchSize * Backbone().PatchSize}.");
                }

                var trainSource = CocoSampleSource.Open(dataRoot, parse.GetValue(shared.TrainSplit)!);
                var valSource = validate ? CocoSampleSource.Open(dataRoot, valSplit) : null;
                var setup = new DetectionTrainingSetup
                {
                    TrainSource = trainSource,
                    TrainFeatures = trainFeatures,
                    TrainImages = parse.GetValue(trainImages),
                    ValSource = valSource,
                    ValFeatures = valSource != null ? valFeatures : null,
                    ValImages = parse.GetValue(valImages),
                    Backbone = spec,
                    InputSize = inputSize,
                    Head = new FcosConfig
                    {
                        Layers = [],
                        BackboneWidth = 0,
                        PatchSize = 0,
                        NumClasses = 0,
                        Channels = parse.GetValue(channels),
                        Levels = levelList,
                        TowerConvs = parse.GetValue(towerConvs),
                        Quality = parse.GetValue(quality) == "iou" ? FcosQuality.IoU : FcosQuality.Centreness,
                        CentreSamplingRadius = parse.GetValue(centreRadius),
                    },
                    Train = train,
                    BatchSize = batchSize,
                    Flip = !parse.GetValue(noFlip),
                    Workers = GlobalOptions.WorkerThreads(parse),
                    OutputDirectory = parse.GetValue(shared.Out)!,
                    Resume = parse.GetValue(shared.Resume),
                };
                int images = Math.Min(setup.TrainImages ?? int.MaxValue, trainSource.Count);
                int stepsPerEpoch = images >= batchSize ? images / batchSize : 1;
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"training a detection head on {spec.Name} ({spec.WeightsId}{(spec.IsRandom ? ", random weights" : "")}) layers " +
                    $"{string.Join(",", trainFeatures.Info.Layers)}, features {(cache != null ? "from the cache " + cache : "online")}, " +
                    $"{images} images of {trainSource.AnnotationFile} at {inputSize}x{inputSize}, {trainSource.Categories.Count} categories, " +
                    $"{train.Epochs} epochs x {stepsPerEpoch} steps."));

                var outcome = ConsoleProgress.Run("train det", train.Epochs * stepsPerEpoch, progress =>
                    DetectionTraining.Run(setup,
                        onStep: s => progress.Report(s.Step + 1),
                        onEvaluation: (epoch, result) =>
                        {
                            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"epoch {epoch + 1}: bbox AP {result.Evaluation.Stats[0]:F3}, AP50 {result.Evaluation.Stats[1]:F3}, AP75 {result.Evaluation.Stats[2]:F3} on {result.Evaluation.ImageIds.Count} validation images"));
                            console.WriteLine(result.Evaluation.Summary());
                        }));

                var steps = outcome.Progress.Steps;
                if (steps.Count > 0)
                {
                    Plots.LossCurve(Path.Combine(setup.OutputDirectory, "loss.png"), "detection head training loss",
                        steps.Select(s => (s.Step, s.Loss)).ToList());
                    var lastSteps = steps.TakeLast(Math.Min(20, steps.Count)).ToList();
                    console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"loss {steps.Take(Math.Min(20, steps.Count)).Average(s => s.Loss):F3} (first steps) -> {lastSteps.Average(s => s.Loss):F3} (last steps); " +
                        $"curve in {Path.Combine(setup.OutputDirectory, HeadTrainer<int, int>.LossLogFileName)} and loss.png"));
                }
                console.WriteLine($"head checkpoint: {Path.Combine(setup.OutputDirectory, HeadCheckpoint.WeightsFileName)} (+ {HeadCheckpoint.MetadataFileName})");
                return 0;
            }
            finally
            {
                foreach (var d in disposables) d.Dispose();
                backbone?.Dispose();
            }
        });
        return command;
    }

    private static IReadOnlyList<int> ParseLevels(string text)
    {
        var levels = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part.TrimStart('p', 'P'), NumberStyles.None, CultureInfo.InvariantCulture, out int level))
                throw new CliUsageException($"--levels: \"{part}\" is not a pyramid level (expected e.g. 3,4,5,6).");
            levels.Add(level);
        }
        return levels;
    }

    /// <summary>The checkpoint's weights id, checked against the cache's (the backbone is not loaded for cached training).</summary>
    private static string CheckpointIdentity(string checkpoint, CachedFeatureSource cache)
    {
        if (!File.Exists(checkpoint)) throw new FileNotFoundException($"{checkpoint}: backbone checkpoint not found.", checkpoint);
        string weights = PeCheckpoint.Sha256(Path.GetFullPath(checkpoint));
        cache.EnsureBackbone(cache.Manifest.Backbone.Name, weights);
        return weights;
    }

    private static BackboneSpec SpecOf(FeatureCacheManifest manifest, string weightsId) => new(
        manifest.Backbone.Name, weightsId, manifest.Backbone.PatchSize, manifest.Backbone.Width, manifest.Backbone.Depth,
        manifest.Backbone.ClassToken, manifest.Backbone.RandomWeights);
}
