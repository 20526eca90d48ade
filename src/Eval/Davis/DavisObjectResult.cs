namespace PerceptionEncoder.Eval.Davis;

/// <summary>
/// One object of one sequence: its per-frame J and F over the evaluated frames (all but the first and the last)
/// and their statistics. <see cref="Name"/> is <c>&lt;sequence&gt;_&lt;id&gt;</c> as in the official per-sequence CSV.
/// </summary>
public sealed record DavisObjectResult(
    string Sequence, int ObjectId, IReadOnlyList<string> FrameIds, double[] J, double[] F, DavisStatistics JStatistics, DavisStatistics FStatistics)
{
    public string Name => $"{Sequence}_{ObjectId}";
}
