using DepthMap = PerceptionEncoder.Eval.Formats.Nyu.DepthMap;

namespace PerceptionEncoder.Heads.Depth.Evaluation;

/// <summary>
/// NYU metrics of prediction/ground-truth pairs of the same size, per image then the plain mean (the BTS protocol:
/// predictions clamped to [1e-3, 10] with NaN → 1e-3, valid = 1e-3 &lt; gt &lt; 10 compared in float32, the Eigen crop
/// [45:471, 41:601] sliced as numpy does). Images without a valid pixel are left out of the mean (counted in
/// <c>skipped</c>).
/// </summary>
/// <remarks>Interim scoring for the heads' own validation until the evaluator of src/Eval serves NYU.</remarks>
internal static class NyuScoring
{
    public static readonly string[] Keys = ["abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog", "d1", "d2", "d3"];

    /// <summary>Per-image metrics accumulated as pairs come, so a split never sits in memory.</summary>
    public sealed class Accumulator(bool eigenCrop, DepthRange range)
    {
        private readonly Dictionary<string, double> _sums = Keys.ToDictionary(k => k, _ => 0.0);
        private int _count;
        private int _skipped;

        public void Add(DepthMap gt, DepthMap pred)
        {
            var metrics = Image(gt, pred, eigenCrop, range);
            if (metrics == null)
            {
                _skipped++;
                return;
            }
            foreach (var k in Keys) _sums[k] += metrics[k];
            _count++;
        }

        public Dictionary<string, double> Mean()
        {
            var mean = Keys.ToDictionary(k => k, k => _count == 0 ? double.NaN : _sums[k] / _count);
            mean["count"] = _count;
            mean["skipped"] = _skipped;
            return mean;
        }
    }

    /// <summary>The metrics of one image, or null when it has no valid pixel.</summary>
    public static Dictionary<string, double>? Image(DepthMap gt, DepthMap pred, bool eigenCrop, DepthRange range)
    {
        if (gt.Height != pred.Height || gt.Width != pred.Width)
            throw new ArgumentException($"prediction {pred.Width}x{pred.Height} is not at the ground truth's size {gt.Width}x{gt.Height}.");
        double absRel = 0, sqRel = 0, se = 0, seLog = 0, log10 = 0, e1 = 0, e2 = 0;
        long n = 0, d1 = 0, d2 = 0, d3 = 0;
        for (int y = 0; y < gt.Height; y++)
        {
            if (eigenCrop && (y < 45 || y >= 471)) continue;
            for (int x = 0; x < gt.Width; x++)
            {
                if (eigenCrop && (x < 41 || x >= 601)) continue;
                float g = gt.Metres[y * gt.Width + x];
                if (!(g > range.Min && g < range.Max)) continue;
                float p = pred.Metres[y * gt.Width + x];
                if (p < range.Min) p = range.Min;
                if (p > range.Max) p = range.Max;
                if (float.IsNaN(p)) p = range.Min;
                double gd = g, pd = p;
                double ratio = Math.Max(g / p, p / g);
                n++;
                absRel += Math.Abs(gd - pd) / gd;
                sqRel += (gd - pd) * (gd - pd) / gd;
                se += (gd - pd) * (gd - pd);
                double e = Math.Log(pd) - Math.Log(gd);
                seLog += e * e;
                log10 += Math.Abs(Math.Log10(pd) - Math.Log10(gd));
                e1 += e;
                e2 += e * e;
                if (ratio < 1.25) d1++;
                if (ratio < 1.25 * 1.25) d2++;
                if (ratio < 1.25 * 1.25 * 1.25) d3++;
            }
        }
        if (n == 0) return null;
        return new Dictionary<string, double>
        {
            ["abs_rel"] = absRel / n,
            ["sq_rel"] = sqRel / n,
            ["rmse"] = Math.Sqrt(se / n),
            ["rmse_log"] = Math.Sqrt(seLog / n),
            ["log10"] = log10 / n,
            ["silog"] = 100 * Math.Sqrt(Math.Max(0, e2 / n - (e1 / n) * (e1 / n))),
            ["d1"] = (double)d1 / n,
            ["d2"] = (double)d2 / n,
            ["d3"] = (double)d3 / n,
        };
    }
}
