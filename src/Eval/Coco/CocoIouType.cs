namespace PerceptionEncoder.Eval.Coco;

/// <summary>What COCOeval compares: boxes or masks.</summary>
public enum CocoIouType
{
    /// <summary>Box IoU on <c>[x, y, w, h]</c>.</summary>
    Bbox,

    /// <summary>Mask IoU on RLEs (polygons rasterised as pycocotools does).</summary>
    Segm,
}
