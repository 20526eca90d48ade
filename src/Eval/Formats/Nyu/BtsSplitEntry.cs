namespace PerceptionEncoder.Eval.Formats.Nyu;

/// <summary>
/// One line of a BTS split list: <c>rgb path, depth path, focal</c> (space-separated; paths relative to the data
/// folder, e.g. <c>bathroom/rgb_00045.jpg bathroom/sync_depth_00045.png 518.8579</c>). <see cref="DepthPath"/> is
/// null where the list says <c>None</c>. <see cref="Line"/> is 1-based.
/// </summary>
public sealed record BtsSplitEntry(string RgbPath, string? DepthPath, double Focal, int Line);
