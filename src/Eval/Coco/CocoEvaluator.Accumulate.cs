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
        var rc = new double[o.Count];
        var pr = new double[o.Count];
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
                for (int t = 0; t < T; t++)
                {
                    double tp = 0, fp = 0;
                    for (int i = 0; i < nd; i++)
                    {
                        byte status = o.Status[(selected[i] * A + a) * T + t];
                        if (status == TruePositive) tp++;
                        else if (status == FalsePositive) fp++;
                        rc[i] = tp / npig;
                        pr[i] = tp / (fp + tp + Eps);
                    }
                    recall[((t * K + k) * A + a) * M + m] = nd > 0 ? rc[nd - 1] : 0;
                    for (int i = nd - 1; i > 0; i--)
                        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                    // searchsorted(rc, recThrs, side='left'); thresholds never reached give 0.
                    int pointer = 0;
                    for (int r = 0; r < R; r++)
                    {
                        while (pointer < nd && rc[pointer] < recThrs[r]) pointer++;
                        precision[(((t * R + r) * K + k) * A + a) * M + m] = pointer < nd ? pr[pointer] : 0;
                    }
                }
            }
        }
    }
}
