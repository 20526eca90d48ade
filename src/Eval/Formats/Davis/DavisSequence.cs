namespace PerceptionEncoder.Eval.Formats.Davis;

/// <summary>
/// One sequence of a DAVIS root, as the official loader sees it: the sorted JPEG frames and the sorted PNG
/// annotations (in the semi-supervised benchmark every frame has one; the evaluator uses the annotation list).
/// Frame ids are file names without extension (<c>00000</c>, ...).
/// </summary>
public sealed record DavisSequence(
    string Name,
    IReadOnlyList<string> FrameIds,
    IReadOnlyList<string> ImagePaths,
    IReadOnlyList<string> AnnotationIds,
    IReadOnlyList<string> AnnotationPaths)
{
    /// <summary>The annotation of a frame, or null when the sequence has none for it.</summary>
    public string? AnnotationPathOf(string frameId)
    {
        for (int i = 0; i < AnnotationIds.Count; i++)
            if (AnnotationIds[i] == frameId) return AnnotationPaths[i];
        return null;
    }
}
