namespace PerceptionEncoder.Heads.Detection.Inference;

/// <summary>A detection in the original image's pixel coordinates, with the dataset's category id and name.</summary>
public sealed record LabeledDetection(BoxXyxy Box, float Score, int CategoryId, string CategoryName);
