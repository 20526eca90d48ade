using System.Diagnostics;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Cli.Report;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Eval.Davis;
using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Heads.Tracking;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Demo;

/// <summary>
/// The offline end-to-end demo: synthetic data, a backbone (random weights unless a checkpoint is given), features
/// cached once, detection and depth heads trained on them, tracking by label propagation, the three evaluators, and
/// a report. Every stage is skipped when an earlier run finished it.
/// </summary>
internal sealed partial class DemoPipeline(DemoSettings settings, TextWriter log)
{
    private readonly StageRunner _stages = new(settings.OutputDirectory, log);
    private PeBackbone? _backbone;

    /// <summary>Runs every stage (skipping those an earlier run finished) and writes the report.</summary>
    public DemoSummary Run()
    {
        try
        {
            return RunStages();
        }
        finally
        {
            _backbone?.Dispose();
            _backbone = null;
        }
    }

    private DemoSummary RunStages()
    {
        var total = Stopwatch.StartNew();
        var data = WriteData();
        var backbone = PrepareBackbone();
        log.WriteLine(backbone.RandomWeights
            ? $"Backbone: {backbone.Name}, RANDOM WEIGHTS (no --checkpoint given): its features carry each patch's content but nothing learned, so the heads learn from little; numbers are far below what a trained PE gives."
            : $"Backbone: {backbone.Name} from {backbone.Checkpoint}.");
        var caches = BuildCaches(data, backbone);
        var detection = TrainDetection(data, backbone, caches);
        var depth = TrainDepth(data, backbone, caches);
        var tracking = Track(data, backbone);
        var summary = new DemoSummary(backbone, data, caches, detection, depth, tracking);
        DemoReport.Write(settings.OutputDirectory, summary);
        log.WriteLine($"Report: {Path.Combine(settings.OutputDirectory, DemoReport.ReportFileName)} (this run {total.Elapsed.TotalSeconds:F0} s).");
        return summary;
    }

    private DataStageResult WriteData() => _stages.Run("data", "writing synthetic COCO, NYU and DAVIS data", () =>
    {
        var watch = Stopwatch.StartNew();
        string root = settings.DataRoot;
        var cocoTrain = SyntheticScenes.WriteCoco(root, "train", settings.CocoTrainImages, settings.Seed + 1);
        var cocoVal = SyntheticScenes.WriteCoco(root, "val", settings.CocoValImages, settings.Seed + 2);
        var nyuTrain = SyntheticScenes.WriteNyu(root, "train", settings.NyuTrainImages, settings.Seed + 3);
        var nyuTest = SyntheticScenes.WriteNyu(root, "test", settings.NyuTestImages, settings.Seed + 4);
        var davis = SyntheticScenes.WriteDavis(root, "val", settings.DavisSequences, settings.Seed + 5);
        return new DataStageResult(root, cocoTrain.Images, cocoVal.Images, nyuTrain.Pairs, nyuTest.Pairs, davis.Sequences.Count,
            watch.Elapsed.TotalSeconds);
    });

    private BackboneStageResult PrepareBackbone() => _stages.Run("backbone", "preparing the backbone", () =>
    {
        var watch = Stopwatch.StartNew();
        if (settings.Checkpoint != null)
        {
            var config = settings.Config == null ? null : PeConfigs.Resolve(settings.Config);
            using var loaded = PeBackbone.Load(settings.Checkpoint, config);
            return Describe(loaded, settings.Checkpoint, randomWeights: false, watch);
        }
        var tiny = PeConfigs.Get("PE-Spatial-T16-512") with
        {
            Name = $"PE-Spatial-T16-512 shape, {settings.RandomBackboneBlocks} blocks",
            Layers = settings.RandomBackboneBlocks,
        };
        string path = Path.Combine(settings.OutputDirectory, "backbone", "pe-random-weights.pt");
        using (var random = PeBackbone.CreateRandom(tiny, settings.Seed))
            random.Save(path);
        using var saved = PeBackbone.Load(path, tiny);
        return Describe(saved, path, randomWeights: true, watch);
    });

    private static BackboneStageResult Describe(PeBackbone backbone, string path, bool randomWeights, Stopwatch watch) =>
        new(backbone.Name, path, randomWeights, backbone.WeightsId, backbone.Config.ParameterCount(), backbone.PatchSize,
            backbone.Width, backbone.Depth, backbone.ImageSize, watch.Elapsed.TotalSeconds);

    /// <summary>The backbone of this run, loaded once by the first stage that needs it.</summary>
    private PeBackbone Backbone(BackboneStageResult info) => _backbone ??= OpenBackbone(info);

    private PeBackbone OpenBackbone(BackboneStageResult backbone)
    {
        var config = settings.Config == null ? null : PeConfigs.Resolve(settings.Config);
        if (backbone.RandomWeights)
            config = PeConfigs.Get("PE-Spatial-T16-512") with { Name = backbone.Name, Layers = backbone.Depth };
        return PeBackbone.Load(backbone.Checkpoint, config);
    }

    private TrackingStageResult Track(DataStageResult data, BackboneStageResult backboneInfo) =>
        _stages.Run("tracking", "tracking the synthetic videos by label propagation", () =>
        {
            var watch = Stopwatch.StartNew();
            string davisRoot = Path.Combine(data.Root, "DAVIS");
            string results = Path.Combine(settings.OutputDirectory, "tracking", "results");
            var dataset = new DavisDataset(davisRoot);
            var sequences = dataset.ReadSequenceNames("val");
            var backbone = Backbone(backboneInfo);
            var tracker = new VideoTracker(new PropagationOptions(), backbone.PatchSize);
            var preprocessing = new FramePreprocessing { ShortSide = settings.TrackingShortSide };
            int frames = 0;
            var pictures = new List<string>();
            foreach (string name in sequences)
            {
                var sequence = dataset.GetSequence(name);
                using var source = new BackboneFeatureSource(backbone, sequence.ImagePaths, layer: -1, preprocessing);
                string firstMask = sequence.AnnotationPaths[0];
                Infrastructure.ConsoleProgress.Run($"tracking {name}", sequence.ImagePaths.Count, progress =>
                    tracker.Track(source, firstMask, Path.Combine(results, name), progress));
                frames += sequence.ImagePaths.Count;
                pictures.Add(TrackingStrip(sequence, Path.Combine(results, name), name));
            }
            var evaluation = DavisEvaluator.Evaluate(davisRoot, results, "val");
            evaluation.Write(Path.Combine(settings.OutputDirectory, "tracking"));
            return new TrackingStageResult(evaluation.JAndFMean, evaluation.JMean, evaluation.FMean, sequences.Count, frames,
                settings.TrackingShortSide, pictures, watch.Elapsed.TotalSeconds);
        });

    /// <summary>Five frames of a sequence with the tracked masks over them, and below them the masks alone, as one picture.</summary>
    private string TrackingStrip(DavisSequence sequence, string resultFolder, string name)
    {
        int count = sequence.FrameIds.Count;
        var picks = Enumerable.Range(0, 5).Select(i => (int)Math.Round(i * (count - 1) / 4.0)).Distinct().ToList();
        var masks = picks.Select(f => Png.ReadIndexed(Path.Combine(resultFolder, sequence.FrameIds[f] + ".png"))).ToList();
        var overlays = picks.Select((f, i) => Overlay.Labels(ImageFile.ReadRgb(sequence.ImagePaths[f]), masks[i])).ToList();
        string path = Path.Combine(settings.PicturesDirectory, $"tracking-{name}.jpg");
        ImageFile.WriteRgb(path, Overlay.Stacked([Overlay.SideBySide(overlays), Overlay.SideBySide([.. masks.Select(Overlay.Palette)])]));
        return Path.GetRelativePath(settings.OutputDirectory, path);
    }
}
