using PerceptionEncoder.Heads.Detection.Fcos;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Postprocessing;

/// <summary>
/// Turns one image's FCOS outputs into detections: score = sqrt(class probability x quality probability); per
/// level the (location, class) pairs above the score threshold, at most the top-k of them; boxes decoded and
/// clipped to the image; per-class NMS; the best <see cref="DetectionPostprocessOptions.MaxDetections"/>.
/// </summary>
public static class FcosPostprocessor
{
    /// <param name="classLogits">[N, K]</param>
    /// <param name="boxCodes">[N, 4]</param>
    /// <param name="qualityLogits">[N]</param>
    /// <param name="locations">The N locations (level by level).</param>
    /// <param name="imageWidth">Width of the processed image, for clipping.</param>
    /// <param name="imageHeight">Height of the processed image.</param>
    /// <returns>Detections in the processed pixel frame, best first.</returns>
    public static IReadOnlyList<DetectedObject> Run(Tensor classLogits, Tensor boxCodes, Tensor qualityLogits,
        FcosLocations locations, float imageWidth, float imageHeight, DetectionPostprocessOptions options)
    {
        using var scope = NewDisposeScope();
        long numClasses = classLogits.shape[1];
        var scores = (classLogits.sigmoid() * qualityLogits.sigmoid().unsqueeze(1)).sqrt();     // [N, K]
        var keptLocations = new List<Tensor>();
        var keptClasses = new List<Tensor>();
        var keptScores = new List<Tensor>();
        long offset = 0;
        foreach (int count in locations.CountPerLevel)
        {
            var levelScores = scores.narrow(0, offset, count).flatten();                           // [n * K]
            var candidates = levelScores.gt(options.ScoreThreshold).nonzero().squeeze(1);          // [c]
            if (candidates.numel() > 0)
            {
                var candidateScores = levelScores.index_select(0, candidates);
                if (candidates.numel() > options.PreNmsTopK)
                {
                    var (top, order) = candidateScores.topk(options.PreNmsTopK);
                    candidateScores = top;
                    candidates = candidates.index_select(0, order);
                }
                keptLocations.Add(candidates.div(numClasses, rounding_mode: RoundingMode.floor) + offset);
                keptClasses.Add(candidates.remainder(numClasses));
                keptScores.Add(candidateScores);
            }
            offset += count;
        }
        if (keptLocations.Count == 0) return [];

        var locationIndex = cat(keptLocations);                                                  // [c]
        var boxes = BoxCoder.Decode(
            locations.Points.index_select(0, locationIndex),
            boxCodes.index_select(0, locationIndex),
            locations.Strides.index_select(0, locationIndex));                                    // [c, 4]
        float[] boxValues = boxes.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        float[] scoreValues = cat(keptScores).to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        long[] classValues = cat(keptClasses).cpu().data<long>().ToArray();

        var candidateBoxes = new List<BoxXyxy>(scoreValues.Length);
        var candidateScoreList = new List<float>(scoreValues.Length);
        var candidateClassList = new List<int>(scoreValues.Length);
        for (int i = 0; i < scoreValues.Length; i++)
        {
            var box = new BoxXyxy(boxValues[4 * i], boxValues[4 * i + 1], boxValues[4 * i + 2], boxValues[4 * i + 3])
                .Clip(imageWidth, imageHeight);
            if (box.Width <= 0 || box.Height <= 0) continue;
            candidateBoxes.Add(box);
            candidateScoreList.Add(scoreValues[i]);
            candidateClassList.Add((int)classValues[i]);
        }
        var keep = BatchedNms.Run(candidateBoxes, candidateScoreList, candidateClassList,
            (float)options.NmsIoUThreshold, options.MaxDetections);
        return keep.Select(i => new DetectedObject(candidateBoxes[i], candidateScoreList[i], candidateClassList[i])).ToArray();
    }
}
