namespace PerceptionEncoder.Eval.Nyu;

/// <summary>NYU depth evaluation settings; the defaults are the BTS / AdaBins / ZoeDepth protocol.</summary>
public sealed record DepthEvalOptions
{
    /// <summary>Lower bound (metres): predictions below it are raised to it and GT must be strictly above it. BTS: 1e-3.</summary>
    public double MinDepth { get; init; } = 1e-3;

    /// <summary>Upper bound (metres): predictions above it are lowered to it and GT must be strictly below it. 10.</summary>
    public double MaxDepth { get; init; } = 10;

    public DepthCrop Crop { get; init; } = DepthCrop.Eigen;

    /// <summary>
    /// Resize a prediction of another size to the GT size first, bilinearly with <c>align_corners=True</c> as ZoeDepth
    /// and Depth-Anything do (<see cref="DepthResize.BilinearAlignCorners"/>). Off: a size mismatch is an error.
    /// </summary>
    public bool ResizePrediction { get; init; }
}
