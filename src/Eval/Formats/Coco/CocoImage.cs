namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>An entry of the COCO <c>images</c> list: id, size in pixels and file name (relative to the image folder).</summary>
public sealed record CocoImage(long Id, int Width, int Height, string FileName);
