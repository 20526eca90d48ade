namespace PerceptionEncoder.Data.Samples;

/// <summary>A dataset category: its own id (COCO's real id), its name and its contiguous label 0..K-1.</summary>
public sealed record Category(int Id, string Name, int Label, string? Supercategory = null);
