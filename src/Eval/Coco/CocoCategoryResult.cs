namespace PerceptionEncoder.Eval.Coco;

/// <summary>
/// Per-category figures at area "all" and the largest maxDets (100): AP (IoU .50:.95), AP50, AP75 and AR. Each is
/// the mean of the defined cells, or -1 when the category has no non-crowd ground truth in the evaluated images.
/// </summary>
public sealed record CocoCategoryResult(long CategoryId, string Name, double Ap, double Ap50, double Ap75, double Ar);
