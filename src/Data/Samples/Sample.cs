using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Samples;

/// <summary>
/// One dataset item with its targets, all at the same pixel grid: the image content is <see cref="Width"/> ×
/// <see cref="Height"/> pixels; a transform that pads (to a patch multiple, or large-scale jitter) only grows the
/// canvas (<see cref="CanvasWidth"/> × <see cref="CanvasHeight"/>) to the right and bottom, and the padding is added
/// when batches are made. Immutable: transforms return new samples.
/// </summary>
public sealed record Sample
{
    /// <summary>Stable item id, unique in its dataset (COCO: the image id; NYU: <c>scene/rgb_00045</c>; DAVIS: <c>seq/00000</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The image file, for messages.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Content width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Content height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Padded width (&gt;= <see cref="Width"/>); the padding is on the right.</summary>
    public int CanvasWidth { get => Math.Max(_canvasWidth, Width); init => _canvasWidth = value; }

    /// <summary>Padded height (&gt;= <see cref="Height"/>); the padding is at the bottom.</summary>
    public int CanvasHeight { get => Math.Max(_canvasHeight, Height); init => _canvasHeight = value; }

    private readonly int _canvasWidth;
    private readonly int _canvasHeight;

    /// <summary>The pixels, [H, W, 3] RGB; null when only targets were loaded.</summary>
    public RgbImage? Image { get; init; }

    /// <summary>Detection targets; null when the dataset has none or they were not asked for.</summary>
    public IReadOnlyList<Instance>? Instances { get; init; }

    /// <summary>Depth target; null when the dataset has none or it was not asked for.</summary>
    public DepthTarget? Depth { get; init; }

    /// <summary>Object-index label map (DAVIS), [H, W]; null when absent.</summary>
    public IndexedImage? Segmentation { get; init; }

    /// <summary>Map from the original image's coordinates to this sample's.</summary>
    public required ImageGeometry Geometry { get; init; }

    /// <summary>The sample as read: geometry is the identity.</summary>
    public static Sample Create(string id, int width, int height, string? sourcePath = null) => new()
    {
        Id = id,
        SourcePath = sourcePath,
        Width = width,
        Height = height,
        Geometry = ImageGeometry.Identity(width, height),
    };
}
