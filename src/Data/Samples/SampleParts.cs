namespace PerceptionEncoder.Data.Samples;

/// <summary>What a reader loads for a sample. Training from cached features needs no pixels, only targets.</summary>
[Flags]
public enum SampleParts
{
    None = 0,
    /// <summary>The decoded RGB pixels.</summary>
    Image = 1,
    /// <summary>Boxes, categories and crowd flags.</summary>
    Detection = 2,
    /// <summary>Instance masks (polygons and RLE decoded); implies <see cref="Detection"/>.</summary>
    Masks = 4,
    /// <summary>Depth in metres with its validity.</summary>
    Depth = 8,
    /// <summary>An object-index label map (DAVIS annotations).</summary>
    Segmentation = 16,
    All = Image | Detection | Masks | Depth | Segmentation,
}
