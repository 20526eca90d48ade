namespace PerceptionEncoder.Heads.Depth.Visualization;

/// <summary>How a depth map is coloured.</summary>
/// <param name="Near">Depth in metres shown red (the near end of Turbo); null: the map's smallest valid depth.</param>
/// <param name="Far">Depth in metres shown dark blue; null: the map's largest valid depth.</param>
/// <param name="ScaleBar">Append a vertical colour bar with tick labels in metres on the right.</param>
public sealed record DepthColorOptions(float? Near = null, float? Far = null, bool ScaleBar = true)
{
    public static DepthColorOptions Default { get; } = new();
}
