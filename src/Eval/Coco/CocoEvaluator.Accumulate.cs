namespace PerceptionEncoder.Eval.Coco;

public static partial class CocoEvaluator
{
    private const double Eps = 2.220446049250313e-16; // np.spacing(1)

    /// <summary>accumulate: precision [T, R, K, A, M] and recall [T, K, A, M], -1 where undefined.</summary>
    private static CocoEvalResult Accumulate(Setup s, CategoryOutput[] outputs)
    {
        int T = s.T, R = s.RecallThresholds.Length, K = s.K, A = s.A, M = s.MaxDets.Length;
        var precision = new double[T * R * K * A * M];
        var recall = new double[T * K * A * M];
        Array.Fill(precision, -1.0);
        Array.Fill(recall, -1.0);
        var options = new ParallelOptions { MaxDegreeOfParallelism = s.Params.MaxDegreeOfParallelism ?? Environment.ProcessorCount };
        Parallel.For(0, K, options, k => AccumulateCategory(s, k, outputs[k], precision, recall));
        return new CocoEvalResult(s.Params, s.ImageIds, s.CategoryIds, CategoryNames(s), s.IouThresholds, s.RecallThresholds,
            s.MaxDets, s.Areas, precision, recall, s.DroppedUnknownCategory);
    }

    private static string[] CategoryNames(Setup s)
    {
        var names = new string[s.K];
        for (int k = 0; k < s.K; k++) names[k] = s.Gt.TryGetCategory(s.CategoryIds[k], out var c) ? c.Name : "";
        return names;
    }

    /// <summary>
    /// accumulate for one category. Equal to the reference's cumulative sums, precision envelope and searchsorted,
    /// computed without materialising the curves: recall only changes at true positives, so the first index with
    /// <c>rc &gt;= r</c> is the position of the c-th true positive (c the smallest count with <c>c / npig &gt;= r</c> in
    /// float64), and the envelope there is the largest precision at that or a later true positive (a false positive or
    /// an ignored result never raises precision). Every value is computed with the reference's own expression.
    /// </summary>
    private static void AccumulateCategory(Setup s, int k, CategoryOutput o, double[] precision, double[] recall)
    {
        if (!o.HasEntries) return;
        int T = s.T, R = s.RecallThresholds.Length, K = s.K, A = s.A, M = s.MaxDets.Length;
        double[] recThrs = s.RecallThresholds;

        // One stable sort by descending score of the concatenation (images ascending, score order inside each);
        // the lists for smaller maxDets are sub-sequences of it in the same relative order.
        var keys = new ScoreKey[o.Count];
        for (int i = 0; i < keys.Length; i++) keys[i] = new ScoreKey(o.Scores[i], i);
        Array.Sort(keys);

        var selected = new int[o.Count];
        var tp = new int[T];
        var fp = new int[T];
        var firstIsTp = new bool[T];
        var minCount = new int[R];
        int[] fpAtTp = [];
        double[] suffixMax = [];
        for (int m = 0; m < M; m++)
        {
            int maxDet = s.MaxDets[m];
            int nd = 0;
            foreach (var key in keys)
                if (o.Rank[key.Position] < maxDet) selected[nd++] = key.Position;
            for (int a = 0; a < A; a++)
            {
                int npig = o.Npig[a];
                if (npig == 0) continue;

                // Smallest true-positive count c with c / npig >= r (int.MaxValue: never reached).
                for (int r = 0, c = 0; r < R; r++)
                {
                    while (c <= npig && !((double)c / npig >= recThrs[r])) c++;
                    minCount[r] = c <= npig ? c : int.MaxValue;
                }

                int stride = npig + 2;
                if (fpAtTp.Length < T * stride) fpAtTp = new int[T * stride];
                if (suffixMax.Length < stride) suffixMax = new double[stride];
                Array.Clear(tp);
                Array.Clear(fp);
                for (int i = 0; i < nd; i++)
                {
                    int statusBase = (selected[i] * A + a) * T;
                    for (int t = 0; t < T; t++)
                    {
                        byte status = o.Status[statusBase + t];
                        if (status == TruePositive)
                        {
                            int c = ++tp[t];
                            if (c > npig) throw new InvalidOperationException("more true positives than non-ignored ground truths.");
                            fpAtTp[t * stride + c] = fp[t];
                            if (i == 0) firstIsTp[t] = true;
                        }
                        else
                        {
                            if (status == FalsePositive) fp[t]++;
                            if (i == 0) firstIsTp[t] = false;
                        }
                    }
                }

                for (int t = 0; t < T; t++)
                {
                    int total = tp[t];
                    recall[((t * K + k) * A + a) * M + m] = nd > 0 ? (double)total / npig : 0;
                    suffixMax[total + 1] = double.NegativeInfinity;
                    for (int c = total; c >= 1; c--)
                    {
                        double tpc = c, fpc = fpAtTp[t * stride + c];
                        double pr = tpc / (fpc + tpc + Eps);
                        suffixMax[c] = Math.Max(pr, suffixMax[c + 1]);
                    }
                    // Precision at the first position: 1/(1+eps) for a true positive, else 0.
                    double first = firstIsTp[t] ? 1.0 / (0.0 + 1.0 + Eps) : 0.0;
                    for (int r = 0; r < R; r++)
                    {
                        int c = minCount[r];
                        double q;
                        if (nd == 0 || c > total) q = 0;
                        else if (c == 0) q = Math.Max(first, suffixMax[1]);
                        else q = suffixMax[c];
                        precision[(((t * R + r) * K + k) * A + a) * M + m] = q;
                    }
                }
            }
        }
    }
}
