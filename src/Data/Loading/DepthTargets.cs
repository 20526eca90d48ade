using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Loading;

/// <summary>Depth targets of a batch at the batch's pixel size. Owns its tensors.</summary>
public sealed class DepthTargets : IDisposable
{
    internal DepthTargets(Tensor depth, Tensor valid)
    {
        Depth = depth;
        Valid = valid;
    }

    /// <summary>[B, 1, H, W] float32 depth in metres; 0 where not valid.</summary>
    public Tensor Depth { get; }

    /// <summary>[B, 1, H, W] bool: true where the ground truth has a measurement (false in padding).</summary>
    public Tensor Valid { get; }

    public void Dispose()
    {
        Depth.Dispose();
        Valid.Dispose();
    }
}
