using System.Globalization;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;
using PerceptionEncoder.Eval.Coco;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Heads.Detection.Evaluation;

/// <summary>
/// COCO bbox evaluation of a detector on a split: predictions on every image (features online or from a cache),
/// mapped back to the original image coordinates with the real category ids, scored by <see cref="CocoEvaluator"/>
/// (pycocotools semantics) on the images evaluated.
/// </summary>
public static class DetectionValidation
{
    /// <summary>The 12 COCO stats' names, in pycocotools order, as metrics are keyed.</summary>
    public static IReadOnlyList<string> StatNames { get; } =
        ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];

    /// <summary>Runs the detector on the split and evaluates it.</summary>
    /// <param name="detector">The head (put in eval mode by the caller, or by the trainer).</param>
    /// <param name="features">Feature source of the split.</param>
    /// <param name="source">The split; its items' ids are COCO image ids.</param>
    /// <param name="transform">The transform the head expects (ignored for a cache, whose fixed transform is used).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="options">Post-processing (default: the head's).</param>
    /// <param name="progress">Receives the number of images done.</param>
    /// <param name="images">Evaluate the first this many images only (null: all).</param>
    public static DetectionValidationResult Run(FcosDetector detector, IFeatureSource features, CocoSampleSource source,
        SampleTransform transform, int batchSize = 4, DetectionPostprocessOptions? options = null, IProgress<int>? progress = null,
        int? images = null)
    {
        var results = new List<CocoDetection>();
        var imageIds = new List<long>();
        var items = images is { } limit ? source.Take(limit) : source;
        var loader = new DataLoader(items, features.FixedTransform ?? transform, new DataLoaderOptions
        {
            BatchSize = batchSize,
            Parts = features.NeedsImages ? SampleParts.Image : SampleParts.None,
            SizeDivisibility = features.Info.PatchSize,
            Workers = Math.Max(1, Environment.ProcessorCount),
        });
        int done = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            using (var maps = features.GetFeatures(batch))
            {
                var predictions = detector.Predict(maps, options ?? detector.Settings.Postprocess);
                for (int i = 0; i < batch.Count; i++)
                {
                    var sample = batch.Samples[i];
                    long imageId = long.Parse(sample.Id, CultureInfo.InvariantCulture);
                    imageIds.Add(imageId);
                    results.AddRange(ToCoco(predictions[i], sample.Geometry, imageId, source.Categories));
                }
            }
            done += batch.Count;
            progress?.Report(done);
        }
        var evaluation = CocoEvaluator.Evaluate(source.Dataset, results,
            new CocoEvalParams { IouType = CocoIouType.Bbox, ImageIds = imageIds }, "predictions");
        return new DetectionValidationResult(results, evaluation);
    }

    /// <summary>
    /// Detections of one processed image as COCO results: boxes mapped back through <paramref name="geometry"/> and
    /// clipped to the original image, class indices turned into category ids.
    /// </summary>
    public static IEnumerable<CocoDetection> ToCoco(IReadOnlyList<DetectedObject> detections, ImageGeometry geometry, long imageId,
        CategoryMap categories)
    {
        foreach (var d in detections)
        {
            var box = geometry.ToOriginal(new BoxF(d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2))
                .Clip(geometry.OriginalWidth, geometry.OriginalHeight);
            if (box.Width <= 0 || box.Height <= 0) continue;
            yield return new CocoDetection
            {
                ImageId = imageId,
                CategoryId = categories.IdOf(d.ClassIndex),
                Bbox = new BoxXywh(box.X0, box.Y0, box.Width, box.Height),
                Score = d.Score,
            };
        }
    }

    /// <summary>The stats as metrics keyed by <see cref="StatNames"/>.</summary>
    public static IReadOnlyDictionary<string, double> Metrics(CocoEvalResult evaluation) =>
        StatNames.Select((name, i) => (name, evaluation.Stats[i])).ToDictionary(p => p.name, p => p.Item2);
}

/// <summary>The results a validation run produced and their evaluation.</summary>
public sealed record DetectionValidationResult(IReadOnlyList<CocoDetection> Results, CocoEvalResult Evaluation)
{
    public IReadOnlyDictionary<string, double> Metrics => DetectionValidation.Metrics(Evaluation);
}
