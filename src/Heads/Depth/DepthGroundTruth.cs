using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth;

/// <summary>
/// The depth targets of a batch, in the processed pixel frame of its images. Owns its tensors.
/// </summary>
public sealed class DepthGroundTruth : IDisposable
{
    /// <param name="depth">[B, 1, H, W] float32 metres (any value where not valid).</param>
    /// <param name="valid">[B, 1, H, W] bool: true where the pixel has a measurement; padding is false.</param>
    public DepthGroundTruth(Tensor depth, Tensor valid)
    {
        if (depth.dim() != 4 || depth.shape[1] != 1)
            throw new ArgumentException($"depth targets must be [B, 1, H, W]; got [{string.Join(", ", depth.shape)}].");
        if (!valid.shape.SequenceEqual(depth.shape))
            throw new ArgumentException(
                $"validity [{string.Join(", ", valid.shape)}] does not match depth [{string.Join(", ", depth.shape)}].");
        Depth = depth.dtype == ScalarType.Float32 ? depth : depth.to_type(ScalarType.Float32);
        Valid = valid.dtype == ScalarType.Bool ? valid : valid.to_type(ScalarType.Bool);
    }

    /// <summary>[B, 1, H, W] float32 depth in metres.</summary>
    public Tensor Depth { get; }

    /// <summary>[B, 1, H, W] bool validity.</summary>
    public Tensor Valid { get; }

    public long Count => Depth.shape[0];

    public void Dispose()
    {
        Depth.Dispose();
        Valid.Dispose();
    }
}
