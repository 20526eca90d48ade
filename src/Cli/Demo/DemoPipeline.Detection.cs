using System.Diagnostics;
using PerceptionEncoder.Cli.Report;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Detection.Evaluation;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Detection.Inference;
using PerceptionEncoder.Heads.Detection.Training;
using PerceptionEncoder.Heads.Detection.Visualization;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Demo;

internal sealed partial class DemoPipeline
{
    /// <summary>Trains the FCOS head on the cached COCO features, evaluates COCO bbox AP, draws detections and curves.</summary>
    private DetectionStageResult TrainDetection(DataStageResult data, BackboneStageResult backboneInfo, CacheStageResult caches) =>
        _stages.Run("detection", "training the detection head on cached features", () =>
        {
            var watch = Stopwatch.StartNew();
            var train = CocoSampleSource.Open(data.Root, "train");
            var val = CocoSampleSource.Open(data.Root, "val");
            using var trainFeatures = CachedFeatureSource.Open(CachePath("coco-train"));
            using var valFeatures = CachedFeatureSource.Open(CachePath("coco-val"));
            string headDirectory = Path.Combine(settings.OutputDirectory, "detection", "head");
            var setup = new DetectionTrainingSetup
            {
                TrainSource = train,
                TrainFeatures = trainFeatures,
                ValSource = val,
                ValFeatures = valFeatures,
                Backbone = BackboneSpec.Of(trainFeatures.Info),
                InputSize = settings.DetectionInputSize,
                Head = new FcosConfig
                {
                    Layers = [],
                    BackboneWidth = 0,
                    PatchSize = 0,
                    NumClasses = 0,
                    Channels = settings.DetectionChannels,
                    Levels = [3, 4, 5],
                    TowerConvs = 2,
                },
                BatchSize = 8,
                Train = new TrainOptions
                {
                    Epochs = settings.DetectionEpochs,
                    LearningRate = settings.DetectionLearningRate,
                    WeightDecay = 1e-4,
                    WarmupSteps = 50,
                    ClipGradNorm = 5.0,
                    Seed = settings.Seed,
                },
                OutputDirectory = headDirectory,
                Resume = File.Exists(Path.Combine(headDirectory, ResumeFileName)),
            };
            var outcome = Infrastructure.ConsoleProgress.Run("training the detection head (epochs)", setup.Train.Epochs,
                progress => DetectionTraining.Run(setup, onStep: step => progress.Report(step.Epoch)));
            using var pipeline = DetectionPipeline.Open(Backbone(backboneInfo), headDirectory);
            // A run that resumed an already finished training validates the exported head itself.
            var validation = outcome.LastValidation ?? DetectionValidation.Run(pipeline.Detector, valFeatures, val,
                new Data.Transforms.SquashResize(setup.InputSize), setup.BatchSize);

            string lossPlot = Picture("detection-loss.png");
            Plots.LossCurve(Full(lossPlot), "Detection head: training loss (focal + GIoU + centreness)",
                outcome.Progress.Steps.Select(s => (s.Step, s.Loss)).ToList());
            string prPlot = Picture("detection-pr.png");
            var evaluation = validation.Evaluation;
            var series = evaluation.CategoryIds.Select((id, k) => (val.Categories.NameOf((int)id), evaluation.PrCurve(0, k).Precision)).ToList();
            Plots.PrecisionRecall(Full(prPlot), "Held-out precision-recall at IoU 0.5, per category", evaluation.RecallThresholds, series);

            var pictures = DrawDetections(pipeline, val);
            var stats = evaluation.Stats;
            return new DetectionStageResult(stats[0], stats[1], stats[2], [.. stats], train.Count, val.Count, setup.Train.Epochs,
                headDirectory, lossPlot, prPlot, pictures, watch.Elapsed.TotalSeconds);
        });

    private const string ResumeFileName = HeadTrainer<object, object>.ResumeFileName;

    /// <summary>The first held-out images with the detections scoring above 0.3 drawn on them.</summary>
    private List<string> DrawDetections(DetectionPipeline pipeline, CocoSampleSource val)
    {
        var paths = Enumerable.Range(0, Math.Min(settings.ReportImages, val.Count)).Select(val.ItemPath).ToList();
        var images = paths.Select(ImageFile.ReadRgb).ToList();
        var detections = pipeline.Detect(images);
        var pictures = new List<string>();
        for (int i = 0; i < images.Count; i++)
        {
            string picture = Picture($"detection-{i}.jpg");
            ImageFile.WriteRgb(Full(picture), DetectionDrawing.Draw(images[i], detections[i].Where(d => d.Score > 0.3f).ToList()));
            pictures.Add(picture);
        }
        return pictures;
    }

    /// <summary>A picture's path relative to the report, its folder created.</summary>
    private string Picture(string fileName)
    {
        Directory.CreateDirectory(settings.PicturesDirectory);
        return Path.GetRelativePath(settings.OutputDirectory, Path.Combine(settings.PicturesDirectory, fileName));
    }

    private string Full(string relative) => Path.Combine(settings.OutputDirectory, relative);
}
