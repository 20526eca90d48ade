using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Tests.Coco;

/// <summary>
/// A deliberately plain transcription of COCOeval (bbox) as EVAL_SPEC §1 describes it: per-(image, category)
/// dictionaries, full cumulative-sum curves, the right-to-left envelope and a binary-search searchsorted. Slow and
/// obvious; the optimised evaluator must agree with it bit for bit.
/// </summary>
internal static class NaiveCocoEval
{
    public static (double[,,,,] Precision, double[,,,] Recall) Run(CocoDataset gt, IReadOnlyList<CocoDetection> dt)
    {
        double[] iouThrs = Linspace(0.5, 0.95, 10), recThrs = Linspace(0, 1, 101);
        int[] maxDets = [1, 10, 100];
        (double Lo, double Hi)[] areas = [(0, 1e10), (0, 1024), (1024, 9216), (9216, 1e10)];
        long[] imgIds = gt.Images.Select(i => i.Id).Distinct().OrderBy(i => i).ToArray();
        long[] catIds = gt.Categories.Select(c => c.Id).Distinct().OrderBy(c => c).ToArray();
        var gts = new Dictionary<(long, long), List<CocoAnnotation>>();
        foreach (long i in imgIds)
            foreach (var a in gt.Annotations.Where(a => a.ImageId == i && catIds.Contains(a.CategoryId)))
            {
                if (!gts.TryGetValue((i, a.CategoryId), out var list)) gts[(i, a.CategoryId)] = list = [];
                list.Add(a);
            }
        var dts = new Dictionary<(long, long), List<(CocoDetection D, int Id)>>();
        for (int n = 0; n < dt.Count; n++)
        {
            var d = dt[n];
            if (!imgIds.Contains(d.ImageId) || !catIds.Contains(d.CategoryId)) continue;
            if (!dts.TryGetValue((d.ImageId, d.CategoryId), out var list)) dts[(d.ImageId, d.CategoryId)] = list = [];
            list.Add((d, n + 1));
        }

        int T = iouThrs.Length, R = recThrs.Length, K = catIds.Length, A = areas.Length, M = maxDets.Length;
        var precision = new double[T, R, K, A, M];
        var recall = new double[T, K, A, M];
        for (int k = 0; k < K; k++)
            for (int a = 0; a < A; a++)
            {
                var evals = new List<(double[] Scores, bool[,] Matched, bool[,] Ignored, int Npig)>();
                foreach (long img in imgIds)
                {
                    var g = gts.GetValueOrDefault((img, catIds[k])) ?? [];
                    var d = dts.GetValueOrDefault((img, catIds[k])) ?? [];
                    if (g.Count == 0 && d.Count == 0) continue;
                    evals.Add(EvaluateImg(g, d, areas[a], iouThrs));
                }
                for (int m = 0; m < M; m++)
                {
                    if (evals.Count == 0)
                    {
                        for (int t = 0; t < T; t++)
                        {
                            recall[t, k, a, m] = -1;
                            for (int r = 0; r < R; r++) precision[t, r, k, a, m] = -1;
                        }
                        continue;
                    }
                    var scores = new List<double>();
                    var matched = new List<bool[]>();
                    var ignored = new List<bool[]>();
                    int npig = 0;
                    foreach (var e in evals)
                    {
                        int take = Math.Min(maxDets[m], e.Scores.Length);
                        for (int j = 0; j < take; j++)
                        {
                            scores.Add(e.Scores[j]);
                            matched.Add(Enumerable.Range(0, T).Select(t => e.Matched[t, j]).ToArray());
                            ignored.Add(Enumerable.Range(0, T).Select(t => e.Ignored[t, j]).ToArray());
                        }
                        npig += e.Npig;
                    }
                    int[] order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray(); // LINQ OrderBy is stable
                    for (int t = 0; t < T; t++)
                    {
                        if (npig == 0)
                        {
                            recall[t, k, a, m] = -1;
                            for (int r = 0; r < R; r++) precision[t, r, k, a, m] = -1;
                            continue;
                        }
                        int nd = order.Length;
                        var rc = new double[nd];
                        var pr = new double[nd];
                        double tp = 0, fp = 0;
                        for (int i = 0; i < nd; i++)
                        {
                            int j = order[i];
                            if (matched[j][t] && !ignored[j][t]) tp++;
                            if (!matched[j][t] && !ignored[j][t]) fp++;
                            rc[i] = tp / npig;
                            pr[i] = tp / (fp + tp + 2.220446049250313e-16);
                        }
                        recall[t, k, a, m] = nd > 0 ? rc[nd - 1] : 0;
                        for (int i = nd - 1; i > 0; i--)
                            if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                        for (int r = 0; r < R; r++)
                        {
                            int lo = 0, hi = nd; // first index with rc >= x
                            while (lo < hi)
                            {
                                int mid = (lo + hi) / 2;
                                if (rc[mid] < recThrs[r]) lo = mid + 1; else hi = mid;
                            }
                            precision[t, r, k, a, m] = lo < nd ? pr[lo] : 0;
                        }
                    }
                }
            }
        return (precision, recall);
    }

    private static (double[] Scores, bool[,] Matched, bool[,] Ignored, int Npig) EvaluateImg(
        List<CocoAnnotation> gtIn, List<(CocoDetection D, int Id)> dtIn, (double Lo, double Hi) range, double[] iouThrs)
    {
        bool Out(double area) => area < range.Lo || area > range.Hi;
        var gt = gtIn.Select(g => (G: g, Ignore: g.IsCrowd || Out(g.Area))).ToList();
        gt = gt.Where(x => !x.Ignore).Concat(gt.Where(x => x.Ignore)).ToList();
        var dt = dtIn.OrderByDescending(x => x.D.Score).Take(100).ToList();
        int T = iouThrs.Length, G = gt.Count, D = dt.Count;
        var gtm = new long[T, G];
        var dtm = new long[T, D];
        var dtIg = new bool[T, D];
        for (int t = 0; t < T; t++)
            for (int d = 0; d < D; d++)
            {
                double iou = Math.Min(iouThrs[t], 1 - 1e-10);
                int m = -1;
                for (int g = 0; g < G; g++)
                {
                    if (gtm[t, g] > 0 && !gt[g].G.IsCrowd) continue;
                    if (m > -1 && !gt[m].Ignore && gt[g].Ignore) break;
                    double v = BoxXywh.Iou(dt[d].D.Bbox!.Value, gt[g].G.Bbox!.Value, gt[g].G.IsCrowd);
                    if (v < iou) continue;
                    iou = v;
                    m = g;
                }
                if (m == -1) continue;
                dtIg[t, d] = gt[m].Ignore;
                dtm[t, d] = gt[m].G.Id;
                gtm[t, m] = dt[d].Id;
            }
        var matched = new bool[T, D];
        for (int t = 0; t < T; t++)
            for (int d = 0; d < D; d++)
            {
                matched[t, d] = dtm[t, d] != 0;
                var b = dt[d].D.Bbox!.Value;
                if (dtm[t, d] == 0 && Out(b.Width * b.Height)) dtIg[t, d] = true;
            }
        return (dt.Select(x => x.D.Score).ToArray(), matched, dtIg, gt.Count(x => !x.Ignore));
    }

    private static double[] Linspace(double start, double stop, int num)
    {
        double step = (stop - start) / (num - 1);
        var v = Enumerable.Range(0, num).Select(i => i * step + start).ToArray();
        v[^1] = stop;
        return v;
    }
}
