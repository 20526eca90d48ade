namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>An entry of the COCO <c>categories</c> list, with its real (not necessarily contiguous) id.</summary>
public sealed record CocoCategory(long Id, string Name, string? Supercategory = null);
