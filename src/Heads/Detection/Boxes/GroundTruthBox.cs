namespace PerceptionEncoder.Heads.Detection;

/// <summary>An annotated object of one image, in the processed pixel frame the features were computed on.</summary>
/// <param name="ClassIndex">Contiguous class index 0..K-1 (see <see cref="DetectionCategories"/> for the COCO ids).</param>
/// <param name="IsCrowd">A crowd region: never a positive; locations inside it that match nothing else are ignored by the classification loss.</param>
public readonly record struct GroundTruthBox(BoxXyxy Box, int ClassIndex, bool IsCrowd = false);
