using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>
/// One entry of a COCO results file: <c>{"image_id", "category_id", "bbox": [x, y, w, h], "score"}</c> for boxes,
/// or with <c>"segmentation"</c> (compressed RLE) for masks.
/// </summary>
public sealed record CocoDetection
{
    public required long ImageId { get; init; }

    public required long CategoryId { get; init; }

    /// <summary>Confidence; finite and non-negative in any file this toolkit reads.</summary>
    public required double Score { get; init; }

    /// <summary>The box, or null for a mask result without one.</summary>
    public BoxXywh? Bbox { get; init; }

    /// <summary>The mask, or null for a box result.</summary>
    public CocoSegmentation? Segmentation { get; init; }
}
