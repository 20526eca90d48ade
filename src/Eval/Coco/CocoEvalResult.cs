using System.Globalization;
using System.Text;
using PerceptionEncoder.Eval.Numerics;

namespace PerceptionEncoder.Eval.Coco;

/// <summary>
/// The accumulated COCOeval results: precision <c>[T, R, K, A, M]</c> and recall <c>[T, K, A, M]</c> (T IoU thresholds,
/// R recall thresholds, K categories in ascending id order, A area ranges, M maxDets; -1 = undefined), the 12
/// summary stats, and per-category figures.
/// </summary>
public sealed class CocoEvalResult
{
    private readonly double[] _precision;
    private readonly double[] _recall;

    internal CocoEvalResult(
        CocoEvalParams parameters, long[] imageIds, long[] categoryIds, string[] categoryNames, double[] iouThresholds,
        double[] recallThresholds, int[] maxDets, CocoAreaRange[] areas, double[] precision, double[] recall, int droppedUnknownCategory)
    {
        Params = parameters;
        ImageIds = imageIds;
        CategoryIds = categoryIds;
        IouThresholds = iouThresholds;
        RecallThresholds = recallThresholds;
        MaxDetections = maxDets;
        AreaRanges = areas;
        _precision = precision;
        _recall = recall;
        DroppedUnknownCategory = droppedUnknownCategory;
        Stats = Summarize();
        var perCategory = new CocoCategoryResult[categoryIds.Length];
        int all = AreaIndex("all"), last = maxDets.Length - 1;
        for (int k = 0; k < perCategory.Length; k++)
            perCategory[k] = new CocoCategoryResult(categoryIds[k], categoryNames[k],
                MeanDefined(PrecisionCells(null, k, all, last)),
                MeanDefined(PrecisionCells(0.5, k, all, last)),
                MeanDefined(PrecisionCells(0.75, k, all, last)),
                MeanDefined(RecallCells(null, k, all, last)));
        PerCategory = perCategory;
    }

    public CocoEvalParams Params { get; }

    public CocoIouType IouType => Params.IouType;

    /// <summary>The evaluated image ids, ascending.</summary>
    public IReadOnlyList<long> ImageIds { get; }

    /// <summary>The evaluated category ids, ascending (the K axis).</summary>
    public IReadOnlyList<long> CategoryIds { get; }

    public IReadOnlyList<double> IouThresholds { get; }

    public IReadOnlyList<double> RecallThresholds { get; }

    /// <summary>maxDets, ascending (the M axis).</summary>
    public IReadOnlyList<int> MaxDetections { get; }

    /// <summary>The A axis.</summary>
    public IReadOnlyList<CocoAreaRange> AreaRanges { get; }

    /// <summary>
    /// The 12 pycocotools stats: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl (-1 = undefined).
    /// </summary>
    public IReadOnlyList<double> Stats { get; }

    /// <summary>Per category, ascending id.</summary>
    public IReadOnlyList<CocoCategoryResult> PerCategory { get; }

    /// <summary>Results whose category is not a GT category; dropped as the reference does.</summary>
    public int DroppedUnknownCategory { get; }

    /// <summary>Interpolated precision at IoU threshold t, recall threshold r, category k, area a, maxDets m (-1 = undefined).</summary>
    public double Precision(int t, int r, int k, int a, int m) =>
        _precision[(((t * RecallThresholds.Count + r) * CategoryIds.Count + k) * AreaRanges.Count + a) * MaxDetections.Count + m];

    /// <summary>Recall at IoU threshold t, category k, area a, maxDets m (-1 = undefined).</summary>
    public double Recall(int t, int k, int a, int m) =>
        _recall[((t * CategoryIds.Count + k) * AreaRanges.Count + a) * MaxDetections.Count + m];

    /// <summary>The raw precision array, C order <c>[T, R, K, A, M]</c> (as <c>COCOeval.eval['precision']</c>).</summary>
    public ReadOnlySpan<double> PrecisionArray => _precision;

    /// <summary>The raw recall array, C order <c>[T, K, A, M]</c>.</summary>
    public ReadOnlySpan<double> RecallArray => _recall;

    /// <summary>
    /// The precision-recall curve of one category (R points: recall thresholds, interpolated precision), at IoU
    /// threshold index <paramref name="t"/>, area "all" and the largest maxDets; for plots.
    /// </summary>
    public (double[] Recall, double[] Precision) PrCurve(int t, int k)
    {
        int a = AreaIndex("all"), m = MaxDetections.Count - 1;
        var p = new double[RecallThresholds.Count];
        for (int r = 0; r < p.Length; r++) p[r] = Precision(t, r, k, a, m);
        return ([.. RecallThresholds], p);
    }

    /// <summary>The 12-line summary exactly as pycocotools' <c>summarize()</c> prints it.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        string iouRange = $"{NumpyCompat.FormatFixed(IouThresholds[0], 2)}:{NumpyCompat.FormatFixed(IouThresholds[^1], 2)}";
        foreach (var (stat, index) in Stats.Select((v, i) => (v, i)))
        {
            var d = Definitions[index];
            string title = d.Ap ? "Average Precision" : "Average Recall";
            string type = d.Ap ? "(AP)" : "(AR)";
            string iou = d.Iou is { } thr ? NumpyCompat.FormatFixed(thr, 2) : iouRange;
            text.Append(CultureInfo.InvariantCulture,
                $" {title,-18} {type} @[ IoU={iou,-9} | area={d.Area,6} | maxDets={d.MaxDets,3} ] = {NumpyCompat.FormatFixed(stat, 3)}\n");
        }
        return text.ToString();
    }

    private readonly record struct StatDefinition(bool Ap, double? Iou, string Area, int MaxDets);

    private static readonly StatDefinition[] Definitions =
    [
        new(true, null, "all", 100), new(true, 0.5, "all", 100), new(true, 0.75, "all", 100),
        new(true, null, "small", 100), new(true, null, "medium", 100), new(true, null, "large", 100),
        new(false, null, "all", 1), new(false, null, "all", 10), new(false, null, "all", 100),
        new(false, null, "small", 100), new(false, null, "medium", 100), new(false, null, "large", 100),
    ];

    private double[] Summarize()
    {
        var stats = new double[Definitions.Length];
        for (int i = 0; i < stats.Length; i++)
        {
            var d = Definitions[i];
            int a = AreaIndex(d.Area), m = MaxDetIndex(d.MaxDets);
            stats[i] = a < 0 || m < 0
                ? -1
                : MeanDefined(d.Ap ? PrecisionCells(d.Iou, null, a, m) : RecallCells(d.Iou, null, a, m));
        }
        return stats;
    }

    private int AreaIndex(string label)
    {
        for (int a = 0; a < AreaRanges.Count; a++)
            if (AreaRanges[a].Label == label) return a;
        return -1;
    }

    private int MaxDetIndex(int maxDets)
    {
        for (int m = 0; m < MaxDetections.Count; m++)
            if (MaxDetections[m] == maxDets) return m;
        return -1;
    }

    /// <summary>Cells of precision[t, :, k, a, m] in C order (t over every threshold equal to <paramref name="iou"/>, or all).</summary>
    private List<double> PrecisionCells(double? iou, int? category, int a, int m)
    {
        var cells = new List<double>();
        if (a < 0 || m < 0) return cells;
        for (int t = 0; t < IouThresholds.Count; t++)
        {
            if (iou is { } thr && IouThresholds[t] != thr) continue;
            for (int r = 0; r < RecallThresholds.Count; r++)
                for (int k = category ?? 0; k < (category + 1 ?? CategoryIds.Count); k++)
                    cells.Add(Precision(t, r, k, a, m));
        }
        return cells;
    }

    private List<double> RecallCells(double? iou, int? category, int a, int m)
    {
        var cells = new List<double>();
        if (a < 0 || m < 0) return cells;
        for (int t = 0; t < IouThresholds.Count; t++)
        {
            if (iou is { } thr && IouThresholds[t] != thr) continue;
            for (int k = category ?? 0; k < (category + 1 ?? CategoryIds.Count); k++)
                cells.Add(Recall(t, k, a, m));
        }
        return cells;
    }

    /// <summary><c>np.mean(s[s &gt; -1])</c>, or -1 when no cell is defined.</summary>
    private static double MeanDefined(List<double> cells)
    {
        var defined = cells.Where(v => v > -1).ToArray();
        return defined.Length == 0 ? -1 : NumpyCompat.Mean(defined);
    }
}
