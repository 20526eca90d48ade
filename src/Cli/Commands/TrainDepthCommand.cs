using System.CommandLine;
using System.Globalization;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Dpt;
using PerceptionEncoder.Heads.Depth.Linear;
using PerceptionEncoder.Heads.Depth.Losses;
using PerceptionEncoder.Heads.Depth.Readout;
using PerceptionEncoder.Heads.Depth.Training;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe train depth --checkpoint BACKBONE (--data-root DIR | --cache DIR) --out HEAD [--head dpt|linear] ...</c>:
/// trains a depth head on frozen features of an NYU-layout dataset (real or synthetic), validating with the NYU
/// metrics beside the constant-median and per-pixel-median baselines.
/// </summary>
internal static class TrainDepthCommand
{
    internal static Command Create()
    {
        var shared = new TrainingCliOptions();
        var head = new Option<string>("--head") { Description = "Head: dpt (four blocks, fusion, upsampling head) or linear (DINOv2's linear probe).", DefaultValueFactory = _ => "dpt" };
        head.AcceptOnlyFromAmong("dpt", "linear");
        var layers = new Option<string?>("--layers") { Description = "Blocks read, 0-based, negative from the end (default: dpt four spread blocks, e.g. 2,5,8,11; linear the last)." };
        var output = new Option<string?>("--output") { Description = "regression or bins (default: dpt regression, linear bins as DINOv2)." };
        output.AcceptOnlyFromAmong("regression", "bins");
        var bins = new Option<int>("--bins") { Description = "Depth bins of the bins output.", DefaultValueFactory = _ => 256 };
        var binSpacing = new Option<string>("--bin-spacing") { Description = "Bin centres: linear or log.", DefaultValueFactory = _ => "linear" };
        binSpacing.AcceptOnlyFromAmong("linear", "log");
        var noClassToken = new Option<bool>("--no-class-token") { Description = "Linear head: do not concatenate the class token; DPT: ignore it." };
        var features = new Option<int>("--features") { Description = "DPT fusion channels (a multiple of 32).", DefaultValueFactory = _ => 256 };
        var imageSize = new Option<int?>("--image-size") { Description = "Online features: squash-resize to N x N (default: the backbone's image size); a cache fixes its own." };
        var gradientLoss = new Option<double>("--gradient-loss") { Description = "Weight of the multi-scale gradient-matching term (0: off).", DefaultValueFactory = _ => 0 };
        var varianceFocus = new Option<double>("--variance-focus") { Description = "Lambda of the scale-invariant log loss (BTS: 0.85).", DefaultValueFactory = _ => 0.85 };
        var minDepth = new Option<float>("--min-depth") { Description = "Depth range minimum in metres.", DefaultValueFactory = _ => 1e-3f };
        var maxDepth = new Option<float>("--max-depth") { Description = "Depth range maximum in metres.", DefaultValueFactory = _ => 10f };
        var crop = new Option<string>("--crop") { Description = "Validation crop: eigen (NYU) or none.", DefaultValueFactory = _ => "eigen" };
        crop.AcceptOnlyFromAmong("eigen", "none");
        var dtype = new Option<string>("--dtype") { Description = "Backbone compute dtype for online features: fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "bf16");
        var noFlip = new Option<bool>("--no-flip") { Description = "Online features: no random horizontal flips." };
        var workers = new Option<int?>("--workers") { Description = "Images decoded at once (default: --threads or the core count)." };

        var command = new Command("depth", "Train a depth head (DPT or linear probe) on frozen features of an NYU-layout dataset.");
        shared.AddTo(command);
        foreach (Option option in new Option[] { head, layers, output, bins, binSpacing, noClassToken, features, imageSize, gradientLoss,
                     varianceFocus, minDepth, maxDepth, crop, dtype, noFlip, workers })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var range = new DepthRange(parse.GetValue(minDepth), parse.GetValue(maxDepth));
            var loss = new DepthLossOptions { VarianceFocus = parse.GetValue(varianceFocus), GradientWeight = parse.GetValue(gradientLoss) };
            string kind = parse.GetValue(head)!;
            var outputKind = parse.GetValue(output) ?? (kind == "linear" ? "bins" : "regression");
            var depthOutput = outputKind == "bins"
                ? new DepthOutput { Kind = DepthOutputKind.Bins, Bins = parse.GetValue(bins), Spacing = parse.GetValue(binSpacing) == "log" ? BinSpacing.Log : BinSpacing.Linear }
                : DepthOutput.Regression;
            var layerList = parse.GetValue(layers) is { } text ? FeaturesCommand.ParseLayers(text) : null;
            DepthHeadConfig config = kind == "linear"
                ? new LinearDepthConfig { Layers = layerList, Range = range, Output = depthOutput, Loss = loss, UseClassToken = !parse.GetValue(noClassToken) }
                : new DptDepthConfig
                {
                    Layers = layerList,
                    Range = range,
                    Output = depthOutput,
                    Loss = loss,
                    Features = parse.GetValue(features),
                    Readout = parse.GetValue(noClassToken) ? DptReadout.Ignore : null
                };
            if (parse.GetValue(imageSize) is < 1) throw new CliUsageException($"--image-size must be positive (got {parse.GetValue(imageSize)}).");
            if (parse.GetValue(shared.BatchSize) < 1) throw new CliUsageException($"--batch-size must be at least 1 (got {parse.GetValue(shared.BatchSize)}).");

            var device = GlobalOptions.ApplyTorchSettings(parse);
            string? cache = parse.GetValue(shared.Cache), valCache = parse.GetValue(shared.ValCache);
            if (valCache != null && cache == null) throw new CliUsageException("--val-cache goes with --cache.");
            string? dataRoot = parse.GetValue(shared.DataRoot);
            var writer = parse.InvocationConfiguration.Output;

            var train = NyuSampleSource.Open(dataRoot, parse.GetValue(shared.TrainSplit)!);
            var validation = OpenValidation(dataRoot, parse.GetValue(shared.ValSplit)!, writer);
            string checkpoint = parse.GetValue(shared.Checkpoint)!;
            // With caches for both splits the backbone never runs: only its identity is checked against the caches.
            PeBackbone? backbone = null;
            if (cache == null || valCache == null)
                backbone = BackboneLoading.Open(checkpoint, parse.GetValue(shared.Config), BackboneLoading.DTypeOf(parse.GetValue(dtype)), device);
            else
                EnsureCacheOfCheckpoint(cache, checkpoint);
            using var ownedBackbone = backbone;
            int threads = GlobalOptions.WorkerThreads(parse);
            var setup = new DepthTrainingSetup
            {
                Head = config,
                Options = shared.ToTrainOptions(parse),
                OutDirectory = parse.GetValue(shared.Out)!,
                Train = train,
                Validation = validation,
                Backbone = backbone,
                TrainCache = cache,
                ValidationCache = valCache,
                ImageSize = parse.GetValue(imageSize),
                Flip = !parse.GetValue(noFlip),
                BatchSize = parse.GetValue(shared.BatchSize),
                Workers = parse.GetValue(workers) ?? threads,
                EigenCrop = parse.GetValue(crop) == "eigen",
            };
            writer.WriteLine($"training a {kind} depth head on {train.Name} ({train.Count} items; features {(cache != null ? $"from {cache}" : "online")}), " +
                             $"validation on {validation?.Name ?? "none"}; backbone {(backbone != null ? $"{backbone.Name}{(backbone.IsRandom ? " (random weights)" : "")}" : "from the caches")}.");
            var options = setup.Options;
            int totalSteps = options.Epochs * (int)Math.Ceiling(train.Count / (double)setup.BatchSize);
            DepthTrainingResult result = null!;
            ConsoleProgress.Run("train depth", totalSteps, progress =>
            {
                result = DepthTraining.Run(setup, parse.GetValue(shared.Resume),
                    onStep: s => progress.Report(s.Step + 1),
                    onEvaluation: (epoch, e) => writer.WriteLine(
                        $"epoch {epoch + 1}: abs_rel {Format(e.Head, "abs_rel")}, rmse {Format(e.Head, "rmse")}, d1 {Format(e.Head, "d1")}" +
                        (e.PixelMedian != null ? $" (per-pixel median baseline: abs_rel {Format(e.PixelMedian, "abs_rel")}, d1 {Format(e.PixelMedian, "d1")})" : "")));
            });
            using var trained = result.Head;
            if (result.LastEvaluation is { } last)
            {
                writer.WriteLine();
                writer.WriteLine("| predictor | abs_rel | rmse | d1 |");
                writer.WriteLine("| --- | ---: | ---: | ---: |");
                foreach (var (name, metrics) in new[] { ("head", last.Head), ("constant median", last.Constant), ("per-pixel median", last.PixelMedian) })
                    if (metrics != null)
                        writer.WriteLine($"| {name} | {Format(metrics, "abs_rel")} | {Format(metrics, "rmse")} | {Format(metrics, "d1")} |");
            }
            writer.WriteLine($"head written to {setup.OutDirectory} (head.safetensors, head.json, loss.csv{(result.LastEvaluation != null ? ", metrics.json" : "")}); " +
                             $"{result.Progress.EpochsDone} epochs, {result.Progress.StepsDone} steps.");
            return 0;
        });
        return command;
    }

    /// <summary>The validation split; for NYU, whose held-out split is called test, "val" falls back to "test" when there is no val list.</summary>
    private static NyuSampleSource? OpenValidation(string? dataRoot, string split, TextWriter writer)
    {
        if (split is "none" or "") return null;
        try
        {
            return NyuSampleSource.Open(dataRoot, split);
        }
        catch (FileNotFoundException) when (split == "val")
        {
            var test = NyuSampleSource.Open(dataRoot, "test");
            writer.WriteLine("no NYU 'val' split list: validating on 'test' (the 654-image Eigen split in the standard layout).");
            return test;
        }
    }

    private static void EnsureCacheOfCheckpoint(string cache, string checkpoint)
    {
        using var source = CachedFeatureSource.Open(cache);
        string weights = checkpoint.StartsWith("random:", StringComparison.Ordinal) ? checkpoint : PeCheckpoint.Sha256(checkpoint);
        if (source.Manifest.Backbone.Weights != weights)
            throw new InvalidDataException(
                $"{Path.Combine(cache, FeatureCache.ManifestFileName)}: the cache was made with weights {source.Manifest.Backbone.Weights}, not those of {checkpoint} ({weights}).");
    }

    private static string Format(IReadOnlyDictionary<string, double> metrics, string key) =>
        metrics.TryGetValue(key, out double v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";
}
