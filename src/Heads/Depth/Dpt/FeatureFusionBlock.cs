using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Dpt;

/// <summary>
/// One step of DPT's coarse-to-fine path: adds a residual-refined skip map to the path, refines the sum, resizes it
/// (bilinear, align_corners) to the next finer size and projects it (1×1).
/// </summary>
internal sealed class FeatureFusionBlock : nn.Module
{
    private readonly ResidualConvUnit? res_conv_unit1;
    private readonly ResidualConvUnit res_conv_unit2;
    private readonly Conv2d out_conv;

    /// <param name="hasSkip">False for the coarsest block, which starts the path from one map.</param>
    public FeatureFusionBlock(long features, bool hasSkip) : base("feature_fusion_block")
    {
        res_conv_unit1 = hasSkip ? new ResidualConvUnit(features) : null;
        res_conv_unit2 = new ResidualConvUnit(features);
        out_conv = nn.Conv2d(features, features, 1);
        RegisterComponents();
    }

    /// <param name="path">[B, F, h, w]: the path so far (or the coarsest map).</param>
    /// <param name="skip">[B, F, h, w]: the map of this level, or null for the coarsest block.</param>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <returns>[B, F, height, width].</returns>
    public Tensor Forward(Tensor path, Tensor? skip, long height, long width)
    {
        using var scope = NewDisposeScope();
        var x = path;
        if (skip is not null)
        {
            if (res_conv_unit1 is null) throw new InvalidOperationException("this fusion block takes no skip map");
            x = x + res_conv_unit1.forward(skip);
        }
        x = res_conv_unit2.forward(x);
        x = nn.functional.interpolate(x, [height, width], mode: InterpolationMode.Bilinear, align_corners: true);
        return out_conv.forward(x).MoveToOuterDisposeScope();
    }
}
