namespace PerceptionEncoder.Data.Samples;

/// <summary>One annotated object of an image.</summary>
/// <param name="AnnotationId">The annotation's id in its source (COCO <c>id</c>), 0 when it has none.</param>
/// <param name="CategoryId">The dataset's own category id (COCO: 1..90 with gaps).</param>
/// <param name="Label">The contiguous label 0..K-1 of <see cref="CategoryMap"/>.</param>
/// <param name="Box">The box in the sample's current pixel coordinates.</param>
/// <param name="IsCrowd">A COCO crowd region: to be ignored by training and evaluation, not learnt as an object.</param>
/// <param name="Area">The annotation's area (COCO <c>area</c>, pixels of the original image).</param>
/// <param name="Mask">The instance's pixels at the sample's current size, when masks were asked for.</param>
public sealed record Instance(long AnnotationId, int CategoryId, int Label, BoxF Box, bool IsCrowd, double Area, BinaryMask? Mask = null);
