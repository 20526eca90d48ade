using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Readout;

/// <summary>Turns the last layer of a head, [B, K, H, W], into depth [B, 1, H, W] in metres (no parameters).</summary>
public static class DepthReadout
{
    /// <summary>The constant added to rectified logits before normalising, in <see cref="BinNormalization.Linear"/>.</summary>
    public const double LinearNormalizationEpsilon = 0.1;

    /// <summary>The depth a fresh regression head predicts everywhere, as a fraction of the range maximum (3 m on NYU).</summary>
    public const double InitialDepthFraction = 0.3;

    /// <param name="logits">[B, K, H, W] with K = <see cref="DepthOutput.Channels"/>.</param>
    /// <returns>[B, 1, H, W] depth: at least <see cref="DepthRange.Min"/> for regression (not bounded above, so the loss
    /// keeps a gradient), within the bin centres for bins.</returns>
    public static Tensor Apply(Tensor logits, DepthOutput output, DepthRange range)
    {
        using var scope = NewDisposeScope();
        if (output.Kind == DepthOutputKind.Regression)
            return (nn.functional.softplus(logits) + range.Min).MoveToOuterDisposeScope();

        var weights = output.Normalization == BinNormalization.Softmax
            ? logits.softmax(1)
            : Normalize(logits.relu() + LinearNormalizationEpsilon);
        var centres = BinCentres(output, range, logits.device).view(1, -1, 1, 1); // [K] -> [1, K, 1, 1]
        return (weights * centres).sum(1, keepdim: true).MoveToOuterDisposeScope();
    }

    /// <summary>The bin centres in metres, [K], increasing from <see cref="DepthOutput.FirstBin"/> to the range maximum.</summary>
    public static Tensor BinCentres(DepthOutput output, DepthRange range, Device? device = null)
    {
        double first = output.FirstBin(range);
        return output.Spacing == BinSpacing.Linear
            ? linspace(first, range.Max, output.Bins, ScalarType.Float32, device)
            : linspace(Math.Log(first), Math.Log(range.Max), output.Bins, ScalarType.Float64, device).exp().to_type(ScalarType.Float32);
    }

    /// <summary>The bias that makes a zero-input regression head predict <see cref="InitialDepthFraction"/> of the maximum.</summary>
    public static double InitialRegressionBias(DepthRange range)
    {
        double excess = InitialDepthFraction * range.Max - range.Min; // softplus(b) = excess
        return excess + Math.Log(1 - Math.Exp(-excess));
    }

    private static Tensor Normalize(Tensor positive) => positive / positive.sum(1, keepdim: true);
}
