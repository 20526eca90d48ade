using PerceptionEncoder.Heads.Detection.Pyramid;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Fcos;

/// <summary>The trainable parts of the detector: the simple feature pyramid and the FCOS head on it.</summary>
public sealed class FcosModel : nn.Module<Tensor, FcosRawOutput>
{
    private readonly SimpleFeaturePyramid pyramid;
    private readonly FcosHeadModule head;

    public FcosModel(FcosConfig config) : base(nameof(FcosModel))
    {
        pyramid = new SimpleFeaturePyramid(config.BackboneWidth * config.Layers.Count, config.PatchSize, config.Channels, config.Levels);
        head = new FcosHeadModule(config.Channels, config.NumClasses, config.TowerConvs, config.Levels.Count, config.PriorProbability);
        RegisterComponents();
    }

    public SimpleFeaturePyramid Pyramid => pyramid;

    public FcosHeadModule Head => head;

    /// <param name="input">[B, Cin, h, w] the concatenated backbone maps.</param>
    public override FcosRawOutput forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var levels = pyramid.forward(input);
        var output = head.forward(levels);
        return new FcosRawOutput(
            output.ClassLogits.MoveToOuterDisposeScope(),
            output.BoxCodes.MoveToOuterDisposeScope(),
            output.QualityLogits.MoveToOuterDisposeScope(),
            output.LevelSizes);
    }
}
