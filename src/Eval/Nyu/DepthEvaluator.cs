using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Eval.Numerics;

namespace PerceptionEncoder.Eval.Nyu;

/// <summary>
/// NYU Depth v2 metric-depth evaluation as BTS's <c>compute_errors</c> with the BTS/AdaBins/ZoeDepth protocol
/// (docs EVAL_SPEC.md §2): per image, clamp the prediction (below min -> min, above max -> max, NaN -> min, in that
/// order, in float32), keep GT pixels with <c>min &lt; gt &lt; max</c> compared in float32, apply the crop, compute
/// the metrics in float64 (numpy pairwise sums); then average the per-image metrics. No median or least-squares
/// scaling.
/// </summary>
public static class DepthEvaluator
{
    private const int EigenTop = 45, EigenBottom = 471, EigenLeft = 41, EigenRight = 601;

    /// <summary>The metrics of one image.</summary>
    /// <param name="groundTruth">GT in metres, [H, W]; 0 (or anything outside the range) = no measurement.</param>
    /// <param name="prediction">Prediction in metres, [H, W] (or any size with <see cref="DepthEvalOptions.ResizePrediction"/>).</param>
    /// <param name="options">Defaults: min 1e-3, max 10, Eigen crop, no resize.</param>
    /// <returns>The metrics; all NaN (as in the reference) when no pixel is valid, with <c>ValidPixels = 0</c>.</returns>
    /// <exception cref="ArgumentException">The sizes differ and resizing is off.</exception>
    public static DepthMetrics Evaluate(DepthMap groundTruth, DepthMap prediction, DepthEvalOptions? options = null)
    {
        options ??= new DepthEvalOptions();
        if (prediction.Height != groundTruth.Height || prediction.Width != groundTruth.Width)
        {
            if (!options.ResizePrediction)
                throw new ArgumentException(
                    $"prediction is {prediction.Height}x{prediction.Width} but the ground truth is {groundTruth.Height}x{groundTruth.Width} (resize the prediction, e.g. `--resize`).");
            prediction = DepthResize.BilinearAlignCorners(prediction, groundTruth.Height, groundTruth.Width);
        }
        int h = groundTruth.Height, w = groundTruth.Width;
        float min = (float)options.MinDepth, max = (float)options.MaxDepth;
        var gt = groundTruth.Metres;
        var pred = prediction.Metres;

        int rowBegin = 0, rowEnd = h, colBegin = 0, colEnd = w;
        if (options.Crop == DepthCrop.Eigen)
        {
            rowBegin = Math.Min(EigenTop, h);
            rowEnd = Math.Min(EigenBottom, h);
            colBegin = Math.Min(EigenLeft, w);
            colEnd = Math.Min(EigenRight, w);
        }

        int n = 0;
        for (int y = rowBegin; y < rowEnd; y++)
            for (int x = colBegin; x < colEnd; x++)
            {
                float g = gt[y * w + x];
                if (g > min && g < max) n++;
            }
        if (n == 0) return new DepthMetrics(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);

        var g64 = new double[n];
        var p64 = new double[n];
        int k = 0;
        for (int y = rowBegin; y < rowEnd; y++)
            for (int x = colBegin; x < colEnd; x++)
            {
                int i = y * w + x;
                float g = gt[i];
                if (!(g > min && g < max)) continue;
                float p = pred[i];
                if (p < min) p = min;
                if (p > max) p = max;
                if (float.IsInfinity(p)) p = max;
                if (float.IsNaN(p)) p = min;
                g64[k] = g;
                p64[k] = p;
                k++;
            }

        var v = new double[n];
        double Mean(Func<double, double, double> f)
        {
            for (int j = 0; j < n; j++) v[j] = f(g64[j], p64[j]);
            return NumpyCompat.PairwiseSum(v) / n;
        }

        double d1 = Mean((g, p) => Math.Max(g / p, p / g) < 1.25 ? 1 : 0);
        double d2 = Mean((g, p) => Math.Max(g / p, p / g) < 1.25 * 1.25 ? 1 : 0);
        double d3 = Mean((g, p) => Math.Max(g / p, p / g) < 1.25 * 1.25 * 1.25 ? 1 : 0);
        double rmse = Math.Sqrt(Mean((g, p) => (g - p) * (g - p)));
        double rmseLog = Math.Sqrt(Mean((g, p) => (Math.Log(g) - Math.Log(p)) * (Math.Log(g) - Math.Log(p))));
        double absRel = Mean((g, p) => Math.Abs(g - p) / g);
        double sqRel = Mean((g, p) => (g - p) * (g - p) / g);
        double meanSquaredLogError = Mean((g, p) => (Math.Log(p) - Math.Log(g)) * (Math.Log(p) - Math.Log(g)));
        double meanLogError = Mean((g, p) => Math.Log(p) - Math.Log(g));
        double silog = Math.Sqrt(meanSquaredLogError - meanLogError * meanLogError) * 100;
        double log10 = Mean((g, p) => Math.Abs(Math.Log10(p) - Math.Log10(g)));
        return new DepthMetrics(absRel, sqRel, rmse, rmseLog, log10, silog, d1, d2, d3, n);
    }

    /// <summary>The plain mean over images of each metric (numpy mean; a NaN image makes that metric NaN, as in the reference).</summary>
    public static DepthMetrics Mean(IReadOnlyList<DepthMetrics> perImage)
    {
        if (perImage.Count == 0) throw new ArgumentException("no images to average.");
        var columns = new double[9][];
        for (int m = 0; m < 9; m++) columns[m] = new double[perImage.Count];
        long pixels = 0;
        for (int i = 0; i < perImage.Count; i++)
        {
            double[] values = perImage[i].Values;
            for (int m = 0; m < 9; m++) columns[m][i] = values[m];
            pixels += perImage[i].ValidPixels;
        }
        double M(int m) => NumpyCompat.Mean(columns[m]);
        return new DepthMetrics(M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7), M(8), pixels);
    }
}
