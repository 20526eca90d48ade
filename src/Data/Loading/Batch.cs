using PerceptionEncoder.Data.Samples;
using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Loading;

/// <summary>
/// A batch of samples as tensors. Every sample is placed at the top-left of an <see cref="Height"/> ×
/// <see cref="Width"/> canvas (the largest canvas in the batch, rounded up to the loader's size divisibility);
/// the rest is padding. Owns its tensors: dispose it.
/// </summary>
public sealed class Batch : IDisposable
{
    internal Batch(IReadOnlyList<Sample> samples, int height, int width, Tensor? images, DetectionTargets? detection, DepthTargets? depth)
    {
        Samples = samples;
        Height = height;
        Width = width;
        Images = images;
        Detection = detection;
        Depth = depth;
    }

    /// <summary>
    /// The samples, in batch order, with their ids, content sizes, geometry (to map predictions back to the original
    /// image) and CPU targets; their pixels are dropped once in <see cref="Images"/>.
    /// </summary>
    public IReadOnlyList<Sample> Samples { get; }

    public int Count => Samples.Count;

    public IReadOnlyList<string> Ids => Samples.Select(s => s.Id).ToList();

    /// <summary>Padded height H of every tensor of the batch.</summary>
    public int Height { get; }

    /// <summary>Padded width W of every tensor of the batch.</summary>
    public int Width { get; }

    /// <summary>
    /// [B, 3, H, W] float32, RGB normalised as the PE backbone wants, x = pixel/255·2-1; 0 in the padding. Null when
    /// the loader was asked for targets only (training from cached features).
    /// </summary>
    public Tensor? Images { get; }

    /// <summary>Boxes, labels, crowd flags (and masks) per image; null when the samples have no detection targets.</summary>
    public DetectionTargets? Detection { get; }

    /// <summary>Depth and validity; null when the samples have no depth.</summary>
    public DepthTargets? Depth { get; }

    public void Dispose()
    {
        Images?.Dispose();
        Detection?.Dispose();
        Depth?.Dispose();
    }
}
