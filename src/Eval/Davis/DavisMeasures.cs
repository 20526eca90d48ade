using System.Runtime.Intrinsics;

namespace PerceptionEncoder.Eval.Davis;

/// <summary>
/// The DAVIS per-frame measures on label maps (row-major [H, W] object ids), for all objects 1..K at once.
/// J = region IoU (1 when both masks are empty). F = boundary F-measure: boundaries by <c>seg2bmap</c>, matched
/// within a disk of radius <c>ceil(0.008 * sqrt(H^2 + W^2))</c> (the dilation test of davis2017-evaluation, not
/// a bipartite matching).
/// </summary>
public static class DavisMeasures
{
    /// <summary>The boundary tolerance in pixels: <c>ceil(0.008 * ||(H, W)||)</c>, or <paramref name="boundThreshold"/> itself when it is at least 1.</summary>
    public static int BoundaryRadius(int height, int width, double boundThreshold = 0.008) =>
        boundThreshold >= 1 ? (int)boundThreshold : (int)Math.Ceiling(boundThreshold * Math.Sqrt((double)height * height + (double)width * width));

    /// <summary>J of one object given its intersection and union pixel counts.</summary>
    public static double RegionSimilarity(long intersection, long union) => union == 0 ? 1 : (double)intersection / union;

    /// <summary>
    /// J and F of objects 1..<paramref name="objectCount"/> between a GT and a result label map of one frame.
    /// Labels above the object count (and 0) are background.
    /// </summary>
    /// <param name="groundTruth">GT ids [H, W] (void already set to 0).</param>
    /// <param name="result">Result ids [H, W].</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="objectCount">K.</param>
    /// <param name="j">Receives J per object, index 0 = object 1.</param>
    /// <param name="f">Receives F per object.</param>
    public static void Frame(ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> result, int height, int width, int objectCount, Span<double> j, Span<double> f)
    {
        if (groundTruth.Length != height * width || result.Length != height * width)
            throw new ArgumentException($"label maps must hold {height} x {width} values.");
        int k = objectCount;
        var intersection = new long[k + 1];
        var union = new long[k + 1];
        int v = Vector256<byte>.Count;
        for (int p = 0; p < groundTruth.Length; p++)
        {
            if ((p & (v - 1)) == 0 && p + v <= groundTruth.Length
                && (Vector256.Create(groundTruth.Slice(p, v)) | Vector256.Create(result.Slice(p, v))) == Vector256<byte>.Zero)
            {
                p += v - 1; // a chunk of background in both maps
                continue;
            }
            int g = groundTruth[p], r = result[p];
            if (g > k) g = 0;
            if (r > k) r = 0;
            if (g == r)
            {
                if (g != 0) { intersection[g]++; union[g]++; }
            }
            else
            {
                union[g]++;
                union[r]++;
            }
        }
        for (int i = 1; i <= k; i++) j[i - 1] = RegionSimilarity(intersection[i], union[i]);

        var gtBoundary = Boundaries(groundTruth, height, width, k);
        var resultBoundary = Boundaries(result, height, width, k);
        int radius = BoundaryRadius(height, width);
        var stamp = Stamp.For(height, width, radius);
        for (int i = 1; i <= k; i++)
        {
            List<int> gb = gtBoundary[i], rb = resultBoundary[i];
            int nGt = gb.Count, nResult = rb.Count;
            double precision, recall;
            if (nResult == 0 && nGt > 0) { precision = 1; recall = 0; }
            else if (nResult > 0 && nGt == 0) { precision = 0; recall = 1; }
            else if (nResult == 0 && nGt == 0) { precision = 1; recall = 1; }
            else
            {
                precision = stamp.CountCovered(rb, gb) / (double)nResult;
                recall = stamp.CountCovered(gb, rb) / (double)nGt;
            }
            f[i - 1] = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        }
    }

    /// <summary>
    /// <c>seg2bmap</c> of every object at once: pixel p is on the boundary of object L when L occurs among p and its
    /// east, south and south-east neighbours but not everywhere; the last row compares only with the east neighbour,
    /// the last column only with the south one, and the bottom-right pixel never is a boundary.
    /// </summary>
    private static List<int>[] Boundaries(ReadOnlySpan<byte> labels, int height, int width, int k)
    {
        var lists = new List<int>[k + 1];
        for (int i = 0; i <= k; i++) lists[i] = [];
        Span<int> set = stackalloc int[4];
        int v = Vector256<byte>.Count;
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            bool lastRow = y == height - 1;
            for (int x = 0; x < width; x++)
            {
                int p = row + x;
                // Skip a chunk whose pixels equal their east, south and south-east neighbours (raw values equal
                // implies equal after mapping ids above K to 0).
                if ((x & (v - 1)) == 0 && x + v < width)
                {
                    var a0 = Vector256.Create(labels.Slice(p, v));
                    bool uniform = a0 == Vector256.Create(labels.Slice(p + 1, v));
                    if (uniform && !lastRow)
                        uniform = a0 == Vector256.Create(labels.Slice(p + width, v)) && a0 == Vector256.Create(labels.Slice(p + width + 1, v));
                    if (uniform)
                    {
                        x += v - 1;
                        continue;
                    }
                }
                int a = Label(labels[p], k);
                bool lastCol = x == width - 1;
                int e = lastCol ? a : Label(labels[p + 1], k);
                int s = lastRow ? a : Label(labels[p + width], k);
                int se = lastRow || lastCol ? a : Label(labels[p + width + 1], k);
                if (lastRow && lastCol) continue;
                if (lastRow) s = se = a;          // only the east neighbour counts
                else if (lastCol) e = se = a;     // only the south neighbour counts
                if (a == e && a == s && a == se) continue;
                int n = 0;
                set[n++] = a;
                if (e != a) set[n++] = e;
                if (s != a && s != e) set[n++] = s;
                if (se != a && se != e && se != s) set[n++] = se;
                for (int q = 0; q < n; q++)
                    if (set[q] != 0) lists[set[q]].Add(p);
            }
        }
        return lists;
    }

    private static int Label(byte v, int k) => v > k ? 0 : v;

    /// <summary>Marks disks around boundary pixels (cv2.dilate with a disk) and counts the pixels of another set inside them.</summary>
    private sealed class Stamp
    {
        [ThreadStatic]
        private static Stamp? _cached;

        private readonly int _height, _width;
        private readonly int[] _halfWidth;
        private readonly int[] _marks;
        private int _id;

        /// <summary>A per-thread instance, reused while the size and radius stay the same (no 1.6 MB allocation per frame).</summary>
        public static Stamp For(int height, int width, int radius)
        {
            var s = _cached;
            if (s == null || s._height != height || s._width != width || s._halfWidth.Length != 2 * radius + 1 || s._id > int.MaxValue - 16)
                _cached = s = new Stamp(height, width, radius);
            return s;
        }

        private Stamp(int height, int width, int radius)
        {
            _height = height;
            _width = width;
            // skimage disk(r): x^2 + y^2 <= r^2; half-width of each row dy in [-r, r].
            _halfWidth = new int[2 * radius + 1];
            for (int dy = -radius; dy <= radius; dy++)
            {
                int hw = 0;
                while ((hw + 1) * (hw + 1) + dy * dy <= radius * radius) hw++;
                _halfWidth[dy + radius] = hw;
            }
            _marks = new int[height * width];
        }

        /// <summary>|points ∩ dilate(centres)|.</summary>
        public int CountCovered(List<int> points, List<int> centres)
        {
            int id = ++_id;
            int radius = _halfWidth.Length / 2;
            foreach (int c in centres)
            {
                int cy = c / _width, cx = c - cy * _width;
                for (int dy = -radius; dy <= radius; dy++)
                {
                    int y = cy + dy;
                    if ((uint)y >= (uint)_height) continue;
                    int hw = _halfWidth[dy + radius];
                    int x0 = Math.Max(0, cx - hw), x1 = Math.Min(_width - 1, cx + hw);
                    _marks.AsSpan(y * _width + x0, x1 - x0 + 1).Fill(id);
                }
            }
            int count = 0;
            foreach (int p in points)
                if (_marks[p] == id) count++;
            return count;
        }
    }
}
