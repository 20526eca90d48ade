using System.Diagnostics;
using PerceptionEncoder.Cli.Report;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Heads.Depth.Dpt;
using PerceptionEncoder.Heads.Depth.Evaluation;
using PerceptionEncoder.Heads.Depth.Inference;
using PerceptionEncoder.Heads.Depth.Training;
using PerceptionEncoder.Heads.Depth.Visualization;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Demo;

internal sealed partial class DemoPipeline
{
    /// <summary>Trains the DPT head on the cached NYU-layout features and scores it, and both baselines, with the NYU metrics.</summary>
    private DepthStageResult TrainDepth(DataStageResult data, BackboneStageResult backboneInfo, CacheStageResult caches) =>
        _stages.Run("depth", "training the DPT depth head on cached features", () =>
        {
            var watch = Stopwatch.StartNew();
            var train = NyuSampleSource.Open(data.Root, "train");
            var test = NyuSampleSource.Open(data.Root, "test");
            string headDirectory = Path.Combine(settings.OutputDirectory, "depth", "head");
            var setup = new DepthTrainingSetup
            {
                Head = new DptDepthConfig { Features = settings.DepthFeatures },
                Options = new TrainOptions
                {
                    Epochs = settings.DepthEpochs,
                    LearningRate = settings.DepthLearningRate,
                    WarmupSteps = 50,
                    Seed = settings.Seed,
                },
                OutDirectory = headDirectory,
                Train = train,
                Validation = test,
                TrainCache = CachePath("nyu-train"),
                ValidationCache = CachePath("nyu-test"),
                BatchSize = 8,
                // The synthetic maps are 320x240; the Eigen crop is defined on NYU's 640x480.
                EigenCrop = false,
            };
            bool resume = File.Exists(Path.Combine(headDirectory, ResumeFileName));
            var result = Infrastructure.ConsoleProgress.Run("training the depth head (epochs)", setup.Options.Epochs,
                progress => DepthTraining.Run(setup, resume, onStep: step => progress.Report(step.Epoch)));
            using var head = result.Head;
            var evaluation = result.LastEvaluation;
            if (evaluation == null)
            {
                using var features = CachedFeatureSource.Open(setup.ValidationCache);
                evaluation = DepthValidation.Evaluate(head, features, test, features.FixedTransform!, setup.BatchSize, result.Baselines, eigenCrop: false);
            }

            string lossPlot = Picture("depth-loss.png");
            Plots.LossCurve(Full(lossPlot), "DPT depth head: training loss (scale-invariant log)",
                result.Progress.Steps.Select(s => (s.Step, s.Loss)).ToList());
            var predictor = new DepthPredictor(Backbone(backboneInfo), head, settings.DepthInputSize);
            var pictures = DrawDepth(predictor, test);
            return new DepthStageResult(Copy(evaluation.Head), Copy(evaluation.Constant), Copy(evaluation.PixelMedian),
                train.Count, test.Count, setup.Options.Epochs, headDirectory, lossPlot, pictures, watch.Elapsed.TotalSeconds);
        });

    private static Dictionary<string, double> Copy(IReadOnlyDictionary<string, double>? metrics) =>
        metrics?.ToDictionary() ?? throw new InvalidOperationException("the depth validation returned no baselines.");

    /// <summary>Per held-out image: the image, the predicted depth and the ground truth, coloured on the same scale.</summary>
    private List<string> DrawDepth(DepthPredictor predictor, NyuSampleSource test)
    {
        var entries = BtsSplit.Load(test.SplitFile);
        var pictures = new List<string>();
        for (int i = 0; i < Math.Min(settings.ReportImages, entries.Count); i++)
        {
            var image = ImageFile.ReadRgb(Path.Combine(test.DataFolder, entries[i].RgbPath));
            var truth = DepthMap.Read(Path.Combine(test.DataFolder, entries[i].DepthPath!));
            var predicted = predictor.Predict(image, entries[i].RgbPath);
            var (near, far) = DepthColorizer.RangeOf(truth, DepthColorOptions.Default);
            string picture = Picture($"depth-{i}.jpg");
            ImageFile.WriteRgb(Full(picture), Overlay.SideBySide(
                [image, DepthColorizer.Colorize(predicted, near, far), DepthColorizer.Colorize(truth, near, far)]));
            pictures.Add(picture);
        }
        return pictures;
    }
}
