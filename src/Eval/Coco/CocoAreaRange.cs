namespace PerceptionEncoder.Eval.Coco;

/// <summary>
/// A COCOeval object-size range: a ground truth belongs to it when <c>Min &lt;= area &lt;= Max</c> (both ends
/// inclusive, so an area of exactly 1024 is both small and medium).
/// </summary>
public readonly record struct CocoAreaRange(string Label, double Min, double Max)
{
    public static CocoAreaRange All { get; } = new("all", 0, 1e5 * 1e5);

    public static CocoAreaRange Small { get; } = new("small", 0, 32 * 32);

    public static CocoAreaRange Medium { get; } = new("medium", 32 * 32, 96 * 96);

    public static CocoAreaRange Large { get; } = new("large", 96 * 96, 1e5 * 1e5);

    /// <summary>True when <paramref name="area"/> lies outside <c>[Min, Max]</c>.</summary>
    public bool Excludes(double area) => area < Min || area > Max;
}
