using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Synthetic;

/// <summary>A rendered synthetic image: pixels, depth in metres (invalid in the sky) and annotated objects.</summary>
/// <param name="Image">RGB pixels.</param>
/// <param name="Depth">Depth and validity.</param>
/// <param name="Objects">Objects and crowd regions, in drawing order.</param>
/// <param name="Focal">Focal length in pixels.</param>
public sealed record SyntheticScene(RgbImage Image, DepthTarget Depth, IReadOnlyList<SyntheticObject> Objects, double Focal);
