namespace PerceptionEncoder.Heads.Detection.Postprocessing;

/// <summary>
/// Greedy non-maximum suppression done per class: boxes are visited from the highest score down (on equal scores,
/// the lower index first), a box is kept unless a kept box of the same class overlaps it with IoU strictly above
/// the threshold. Boxes of different classes never suppress each other.
/// </summary>
public static class BatchedNms
{
    /// <summary>Indices of the kept boxes, highest score first (lower index first on equal scores).</summary>
    /// <param name="boxes">Candidate boxes.</param>
    /// <param name="scores">Their scores (same count).</param>
    /// <param name="classes">Their class indices (same count).</param>
    /// <param name="iouThreshold">A box overlapping a kept box of its class with IoU above this is dropped.</param>
    /// <param name="maxKeep">At most this many of the best kept boxes are returned.</param>
    public static int[] Run(IReadOnlyList<BoxXyxy> boxes, IReadOnlyList<float> scores, IReadOnlyList<int> classes,
        float iouThreshold, int maxKeep = int.MaxValue)
    {
        if (boxes.Count != scores.Count || boxes.Count != classes.Count)
            throw new ArgumentException($"NMS needs as many scores and classes as boxes (got {boxes.Count} boxes, {scores.Count} scores, {classes.Count} classes).");
        var kept = new List<int>();
        foreach (var group in Enumerable.Range(0, boxes.Count).GroupBy(i => classes[i]))
        {
            var order = group.OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
            var keptInClass = new List<int>();
            foreach (int candidate in order)
            {
                bool suppressed = false;
                foreach (int k in keptInClass)
                {
                    if (BoxXyxy.IoU(boxes[k], boxes[candidate]) > iouThreshold)
                    {
                        suppressed = true;
                        break;
                    }
                }
                if (!suppressed) keptInClass.Add(candidate);
            }
            kept.AddRange(keptInClass);
        }
        return kept.OrderByDescending(i => scores[i]).ThenBy(i => i).Take(maxKeep).ToArray();
    }
}
