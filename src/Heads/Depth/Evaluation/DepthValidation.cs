using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;
using PerceptionEncoder.Eval.Nyu;
using static TorchSharp.torch;
using DepthMap = PerceptionEncoder.Eval.Formats.Nyu.DepthMap;
using DepthResize = PerceptionEncoder.Heads.Depth.Inference.DepthResize;

namespace PerceptionEncoder.Heads.Depth.Evaluation;

/// <summary>NYU metrics of a head (and of the baselines) on a split, each the mean over images.</summary>
/// <param name="Head">Metric name → mean: abs_rel, sq_rel, rmse, rmse_log, log10, silog, d1, d2, d3 (+ count, skipped).</param>
/// <param name="Constant">The constant-median baseline on the same images, when baselines were given.</param>
/// <param name="PixelMedian">The per-pixel-median baseline on the same images, when baselines were given.</param>
public sealed record DepthEvaluation(
    IReadOnlyDictionary<string, double> Head,
    IReadOnlyDictionary<string, double>? Constant,
    IReadOnlyDictionary<string, double>? PixelMedian);

/// <summary>
/// Evaluates a depth head on a split as the NYU protocol does: each prediction is brought back to its original
/// image (the ground truth's resolution, bilinear with align_corners=true) and scored against the original ground
/// truth, with the Eigen crop.
/// </summary>
public static class DepthValidation
{
    /// <param name="source">The split; its items are re-read without transform for the original ground truth.</param>
    /// <param name="transform">The transform the features were made with (a cache's <see cref="IFeatureSource.FixedTransform"/>).</param>
    /// <param name="baselines">Also score the baselines on the same images.</param>
    /// <param name="progress">Called with the number of images done.</param>
    public static DepthEvaluation Evaluate(DepthHead head, IFeatureSource features, ISampleSource source, SampleTransform transform,
        int batchSize = 4, DepthBaselines? baselines = null, bool eigenCrop = true, Action<int>? progress = null)
    {
        var parts = SampleParts.Depth | (features.NeedsImages ? SampleParts.Image : SampleParts.None);
        var loader = new DataLoader(source, transform, new DataLoaderOptions
        {
            BatchSize = batchSize,
            Shuffle = false,
            Parts = parts,
            SizeDivisibility = head.PatchSize,
            Workers = 2,
        });
        var index = Enumerable.Range(0, source.Count).ToDictionary(source.ItemId, StringComparer.Ordinal);
        var options = new DepthEvalOptions
        {
            MinDepth = head.Range.Min,
            MaxDepth = head.Range.Max,
            Crop = eigenCrop ? DepthCrop.Eigen : DepthCrop.None,
        };
        var headScore = new Score(options);
        var constantScore = new Score(options);
        var medianScore = new Score(options);
        bool wasTraining = head.training;
        head.eval();
        int done = 0;
        try
        {
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                using var owned = batch;
                using var maps = features.GetFeatures(batch);
                Tensor depth;
                using (no_grad())
                    depth = head.Predict(maps).to(CPU); // [B, 1, H, W]
                for (int i = 0; i < batch.Count; i++)
                {
                    var sample = batch.Samples[i];
                    var original = source.Load(index[sample.Id], SampleParts.Depth).Depth ?? throw new InvalidDataException(
                        $"{source.Name}: item '{sample.Id}' has no ground-truth depth.");
                    var gt = original.ToMetresMap();
                    var full = DepthResize.ToOriginal(depth.narrow(0, i, 1), sample).contiguous();
                    headScore.Add(gt, new DepthMap(gt.Height, gt.Width, full.data<float>().ToArray()));
                    if (baselines != null)
                    {
                        constantScore.Add(gt, baselines.ConstantPrediction(gt.Height, gt.Width));
                        medianScore.Add(gt, baselines.PixelMedianPrediction(gt.Height, gt.Width));
                    }
                }
                done += batch.Count;
                progress?.Invoke(done);
            }
        }
        finally
        {
            head.train(wasTraining);
        }
        return new DepthEvaluation(headScore.Mean(), baselines == null ? null : constantScore.Mean(),
            baselines == null ? null : medianScore.Mean());
    }

    /// <summary>
    /// Per-image metrics of the NYU evaluator, then their mean. Images whose ground truth has no valid pixel (NaN in
    /// the reference, which would make every mean NaN) are left out and counted as <c>skipped</c>.
    /// </summary>
    private sealed class Score(DepthEvalOptions options)
    {
        private readonly List<DepthMetrics> _images = [];
        private int _skipped;

        public void Add(DepthMap gt, DepthMap prediction)
        {
            var metrics = DepthEvaluator.Evaluate(gt, prediction, options);
            if (metrics.ValidPixels == 0) _skipped++;
            else _images.Add(metrics);
        }

        public Dictionary<string, double> Mean()
        {
            var result = new Dictionary<string, double>();
            var mean = _images.Count > 0 ? DepthEvaluator.Mean(_images) : null;
            foreach (string name in DepthMetrics.Names) result[name] = mean?[name] ?? double.NaN;
            result["count"] = _images.Count;
            result["skipped"] = _skipped;
            return result;
        }
    }
}
