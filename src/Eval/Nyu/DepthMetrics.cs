namespace PerceptionEncoder.Eval.Nyu;

/// <summary>
/// The nine NYU depth metrics of one image (or their mean over images): <c>abs_rel</c>, <c>sq_rel</c>, <c>rmse</c>,
/// <c>rmse_log</c>, <c>log10</c>, <c>silog</c> (x100, lambda = 1), and the threshold accuracies d1..d3 as fractions.
/// <see cref="ValidPixels"/> is the number of evaluated pixels (for a mean: the total).
/// </summary>
public sealed record DepthMetrics(
    double AbsRel, double SqRel, double Rmse, double RmseLog, double Log10, double Silog, double D1, double D2, double D3, long ValidPixels)
{
    /// <summary>The JSON/CLI names in the order of docs CLI.md.</summary>
    public static IReadOnlyList<string> Names { get; } = ["abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog", "d1", "d2", "d3"];

    /// <summary>The values in the order of <see cref="Names"/>.</summary>
    public double[] Values => [AbsRel, SqRel, Rmse, RmseLog, Log10, Silog, D1, D2, D3];

    /// <summary>The value of a metric by its name in <see cref="Names"/>.</summary>
    public double this[string name] => Values[Names.ToList().IndexOf(name) is var i and >= 0 ? i : throw new KeyNotFoundException(name)];
}
