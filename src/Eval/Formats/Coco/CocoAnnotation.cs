using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>A ground-truth instance of the COCO <c>annotations</c> list.</summary>
public sealed record CocoAnnotation
{
    /// <summary>Annotation id (COCOeval uses it as a match marker; ids start at 1).</summary>
    public required long Id { get; init; }

    public required long ImageId { get; init; }

    public required long CategoryId { get; init; }

    /// <summary>The box <c>[x, y, w, h]</c>; null when the file has none (bbox evaluation then refuses the file).</summary>
    public BoxXywh? Bbox { get; init; }

    /// <summary>
    /// The <c>area</c> field as written in the file. COCOeval uses this value for the small/medium/large ranges and
    /// never recomputes it from the box or the mask.
    /// </summary>
    public required double Area { get; init; }

    /// <summary>The <c>iscrowd</c> flag (absent = false). Crowd regions are the only ground truth COCOeval ignores.</summary>
    public bool IsCrowd { get; init; }

    /// <summary>Polygons or RLE; null when absent.</summary>
    public CocoSegmentation? Segmentation { get; init; }

    /// <summary>The optional <c>ignore</c> field, kept for round trips; COCOeval overwrites it with <see cref="IsCrowd"/>.</summary>
    public bool? Ignore { get; init; }
}
