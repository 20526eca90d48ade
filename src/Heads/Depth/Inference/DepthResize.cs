using PerceptionEncoder.Data.Samples;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Inference;

/// <summary>Brings predictions back to the original image (the ground truth's resolution) for evaluation and output.</summary>
public static class DepthResize
{
    /// <summary>
    /// Bilinear resize with align_corners=true, as ZoeDepth and Depth-Anything bring predictions to the GT size.
    /// </summary>
    /// <param name="depth">[B, 1, h, w] depth.</param>
    /// <returns>[B, 1, height, width].</returns>
    public static Tensor ToSize(Tensor depth, int height, int width)
    {
        if (depth.dim() != 4 || depth.shape[1] != 1)
            throw new ArgumentException($"depth must be [B, 1, h, w]; got [{string.Join(", ", depth.shape)}].");
        if (depth.shape[2] == height && depth.shape[3] == width) return depth.alias();
        return nn.functional.interpolate(depth, [height, width], mode: InterpolationMode.Bilinear, align_corners: true);
    }

    /// <summary>
    /// The prediction of one sample mapped back to its original image: the content region of the (padded) canvas is
    /// kept, a horizontal flip undone, then the map resized to the original size (<see cref="ToSize"/>). Transforms
    /// that crop (an offset in the geometry) cannot be undone and are refused.
    /// </summary>
    /// <param name="depth">[1, 1, H, W]: the prediction on the sample's canvas.</param>
    /// <returns>[1, 1, original height, original width].</returns>
    public static Tensor ToOriginal(Tensor depth, Sample sample)
    {
        var g = sample.Geometry;
        bool pureScale = g.IsFlipped ? Math.Abs(g.OffsetX - sample.Width) < 1e-6 * sample.Width : Math.Abs(g.OffsetX) < 1e-6;
        if (!pureScale || Math.Abs(g.OffsetY) > 1e-6)
            throw new ArgumentException($"'{sample.Id}': a prediction cannot be mapped back through a crop; evaluate without cropping transforms.");
        using var scope = NewDisposeScope();
        var content = depth.narrow(2, 0, sample.Height).narrow(3, 0, sample.Width); // [1, 1, H, W] -> [1, 1, h, w]
        if (g.IsFlipped) content = content.flip(3);
        return ToSize(content, g.OriginalHeight, g.OriginalWidth).MoveToOuterDisposeScope();
    }
}
