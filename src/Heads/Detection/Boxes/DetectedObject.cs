namespace PerceptionEncoder.Heads.Detection;

/// <summary>A detected object: its box, its score in [0, 1] and its contiguous class index.</summary>
public readonly record struct DetectedObject(BoxXyxy Box, float Score, int ClassIndex);
