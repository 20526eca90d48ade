using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Coco;

public static partial class CocoEvaluator
{
    /// <summary>Status of a result at one IoU threshold and area range, as accumulate counts it.</summary>
    private const byte Ignored = 0, TruePositive = 1, FalsePositive = 2;

    /// <summary>
    /// The evaluateImg output of one category over all its images, flattened: the kept results in concatenation order
    /// (images ascending, then score order inside the image), their scores, their rank inside their image, and their
    /// status per (area range, threshold).
    /// </summary>
    private sealed class CategoryOutput
    {
        public bool HasEntries;
        public int Count;
        public double[] Scores = [];
        public int[] Rank = [];
        /// <summary>[Count, A, T]</summary>
        public byte[] Status = [];
        /// <summary>Non-ignored GT count per area range (npig).</summary>
        public int[] Npig = [];
    }

    /// <summary>Per-thread scratch buffers.</summary>
    private sealed class Workspace(Setup setup)
    {
        public double[] Iou = new double[256];
        public int[] DtSorted = new int[128];
        public int[] GtPerm = new int[64];
        public bool[] GtIgnore = new bool[64];
        public bool[] GtMatched = new bool[64 * setup.T];
        public int[] Match = new int[128 * setup.T];
        public Rle[] GtMasks = new Rle[64];
        public BoxXywh[] GtBoxes = new BoxXywh[64];
        public BoxXywh[] DtMaskBoxes = new BoxXywh[128];

        public static T[] Grow<T>(ref T[] buffer, int size)
        {
            if (buffer.Length < size) buffer = new T[Math.Max(size, buffer.Length * 2)];
            return buffer;
        }
    }

    private static CategoryOutput EvaluateCategory(Setup s, int k, Workspace w)
    {
        int gBegin = s.GtCategoryStart[k], gEnd = s.GtCategoryStart[k + 1];
        int dBegin = s.DtCategoryStart[k], dEnd = s.DtCategoryStart[k + 1];
        int T = s.T, A = s.A, maxDet = s.MaxDet;
        var output = new CategoryOutput
        {
            Npig = new int[A],
            HasEntries = gEnd > gBegin || dEnd > dBegin,
        };
        int capacity = 0;
        // Upper bound of kept results: at most maxDet per image.
        for (int d = dBegin, run = 0, prev = -1; d < dEnd; d++)
        {
            run = s.DtImage[d] == prev ? run + 1 : 1;
            prev = s.DtImage[d];
            if (run <= maxDet) capacity++;
        }
        output.Scores = new double[capacity];
        output.Rank = new int[capacity];
        output.Status = new byte[capacity * A * T];

        int gi = gBegin, di = dBegin;
        while (gi < gEnd || di < dEnd)
        {
            int image = Math.Min(gi < gEnd ? s.GtImage[gi] : int.MaxValue, di < dEnd ? s.DtImage[di] : int.MaxValue);
            int g0 = gi, d0 = di;
            while (gi < gEnd && s.GtImage[gi] == image) gi++;
            while (di < dEnd && s.DtImage[di] == image) di++;
            EvaluateImage(s, w, output, image, g0, gi, d0, di);
        }
        return output;
    }

    /// <summary>computeIoU + evaluateImg for one (image, category), all area ranges, maxDet = the largest.</summary>
    private static void EvaluateImage(Setup s, Workspace w, CategoryOutput output, int image, int g0, int g1, int d0, int d1)
    {
        int T = s.T, A = s.A;
        int G = g1 - g0;
        int D = Math.Min(d1 - d0, s.MaxDet);

        // Results by descending score, stable (file order on ties), truncated to maxDet.
        int[] sorted = Workspace.Grow(ref w.DtSorted, d1 - d0);
        for (int j = 0; j < d1 - d0; j++) sorted[j] = s.DtOrder[d0 + j];
        StableSortByScoreDescending(sorted.AsSpan(0, d1 - d0), s.Dt);

        var annotations = s.Gt.Annotations;
        double[] iou = Workspace.Grow(ref w.Iou, D * G);
        if (D > 0 && G > 0) ComputeIou(s, w, image, sorted, D, g0, G, iou);

        int[] perm = Workspace.Grow(ref w.GtPerm, G);
        bool[] ignore = Workspace.Grow(ref w.GtIgnore, G);
        bool[] matched = Workspace.Grow(ref w.GtMatched, T * G);
        int[] match = Workspace.Grow(ref w.Match, T * D);
        int first = output.Count;
        for (int j = 0; j < D; j++)
        {
            output.Scores[first + j] = s.Dt[sorted[j]].Score;
            output.Rank[first + j] = j;
        }

        double[] thresholds = s.IouThresholds;
        for (int a = 0; a < A; a++)
        {
            var range = s.Areas[a];
            // gt._ignore = iscrowd or area outside the range; stable order: non-ignored first.
            int n = 0, npig = 0;
            for (int g = 0; g < G; g++)
            {
                var ann = annotations[s.GtOrder[g0 + g]];
                ignore[g] = ann.IsCrowd || range.Excludes(ann.Area);
                if (!ignore[g]) { perm[n++] = g; npig++; }
            }
            for (int g = 0; g < G; g++)
                if (ignore[g]) perm[n++] = g;
            output.Npig[a] += npig;

            Array.Clear(matched, 0, T * G);
            for (int t = 0; t < T; t++)
            {
                double threshold = Math.Min(thresholds[t], 1 - 1e-10);
                for (int d = 0; d < D; d++)
                {
                    double best = threshold;
                    int m = -1;
                    int row = d * G;
                    for (int q = 0; q < G; q++)
                    {
                        int g = perm[q];
                        if (matched[t * G + g] && !annotations[s.GtOrder[g0 + g]].IsCrowd) continue;
                        if (m > -1 && !ignore[m] && ignore[g]) break;
                        double v = iou[row + g];
                        if (v < best) continue;
                        best = v;
                        m = g;
                    }
                    match[t * D + d] = m;
                    if (m != -1) matched[t * G + m] = true;
                }
            }

            for (int d = 0; d < D; d++)
            {
                bool outside = range.Excludes(s.DtArea[sorted[d]]);
                int statusBase = ((first + d) * A + a) * T;
                for (int t = 0; t < T; t++)
                {
                    int m = match[t * D + d];
                    // dtm holds the matched GT's id (0 = unmatched: an id of 0 reads as unmatched, as in the reference).
                    bool isMatched = m != -1 && annotations[s.GtOrder[g0 + m]].Id != 0;
                    bool dtIgnore = (m != -1 && ignore[m]) || (!isMatched && outside);
                    output.Status[statusBase + t] = dtIgnore ? Ignored : isMatched ? TruePositive : FalsePositive;
                }
            }
        }
        output.Count += D;
    }

    /// <summary>The IoU matrix [D, G] (results in score order, GT in file order).</summary>
    private static void ComputeIou(Setup s, Workspace w, int image, int[] sorted, int D, int g0, int G, double[] iou)
    {
        var annotations = s.Gt.Annotations;
        if (s.Params.IouType == CocoIouType.Bbox)
        {
            for (int g = 0; g < G; g++)
            {
                var ann = annotations[s.GtOrder[g0 + g]];
                if (ann.Bbox is not { } gtBox)
                    throw new InvalidDataException($"{s.Gt.Source}: annotation id {ann.Id} has no 'bbox' (needed for bbox evaluation).");
                bool crowd = ann.IsCrowd;
                for (int d = 0; d < D; d++) iou[d * G + g] = BoxXywh.Iou(s.DtBox[sorted[d]], gtBox, crowd);
            }
            return;
        }

        var img = s.Images[image]!;
        Rle[] gtMasks = Workspace.Grow(ref w.GtMasks, G);
        BoxXywh[] gtBoxes = Workspace.Grow(ref w.GtBoxes, G);
        for (int g = 0; g < G; g++)
        {
            gtMasks[g] = GroundTruthMask(s, annotations[s.GtOrder[g0 + g]], img);
            gtBoxes[g] = gtMasks[g].ToBbox();
        }
        BoxXywh[] dtBoxes = Workspace.Grow(ref w.DtMaskBoxes, D);
        for (int d = 0; d < D; d++)
        {
            int index = sorted[d];
            var mask = s.DtMask[index] ??= ResultMask(s.Dt[index], img, $"{s.ResultsSource}: result #{index}");
            dtBoxes[d] = mask.ToBbox();
        }
        for (int d = 0; d < D; d++)
            for (int g = 0; g < G; g++)
                iou[d * G + g] = Rle.Iou(s.DtMask[sorted[d]]!, dtBoxes[d], gtMasks[g], gtBoxes[g], annotations[s.GtOrder[g0 + g]].IsCrowd);
    }

    private static Rle GroundTruthMask(Setup s, CocoAnnotation ann, CocoImage image)
    {
        if (ann.Segmentation is not { } segmentation)
            throw new InvalidDataException($"{s.Gt.Source}: annotation id {ann.Id} has no 'segmentation' (needed for segm evaluation).");
        Rle mask;
        try
        {
            mask = segmentation.ToRle(image.Height, image.Width);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{s.Gt.Source}: annotation id {ann.Id}: invalid segmentation: {e.Message}");
        }
        if (mask.Height != image.Height || mask.Width != image.Width)
            throw new InvalidDataException(
                $"{s.Gt.Source}: annotation id {ann.Id}: mask size [{mask.Height}, {mask.Width}] differs from image {image.Id}'s [{image.Height}, {image.Width}].");
        return mask;
    }

    /// <summary>Sorts result indices by descending score; equal scores keep their order (numpy mergesort on -score).</summary>
    private static void StableSortByScoreDescending(Span<int> indices, IReadOnlyList<CocoDetection> results)
    {
        // Insertion sort for the short per-image lists; the category-level sort uses keyed sorting.
        if (indices.Length <= 32)
        {
            for (int i = 1; i < indices.Length; i++)
            {
                int item = indices[i];
                double score = results[item].Score;
                int j = i - 1;
                while (j >= 0 && results[indices[j]].Score < score)
                {
                    indices[j + 1] = indices[j];
                    j--;
                }
                indices[j + 1] = item;
            }
            return;
        }
        var keys = new ScoreKey[indices.Length];
        for (int i = 0; i < keys.Length; i++) keys[i] = new ScoreKey(results[indices[i]].Score, i);
        Array.Sort(keys);
        var copy = indices.ToArray();
        for (int i = 0; i < keys.Length; i++) indices[i] = copy[keys[i].Position];
    }

    /// <summary>Descending score, then ascending position: a total order, so any sort gives the stable order.</summary>
    private readonly record struct ScoreKey(double Score, int Position) : IComparable<ScoreKey>
    {
        public int CompareTo(ScoreKey other)
        {
            if (Score > other.Score) return -1;
            if (Score < other.Score) return 1;
            return Position.CompareTo(other.Position);
        }
    }
}
