using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Layers;

/// <summary>LayerNorm over the channels of every location of a <c>[B, C, h, w]</c> map (ViTDet's "LN" in its pyramid).</summary>
public sealed class LayerNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly double _eps;

    public LayerNorm2d(long channels, double eps = 1e-6) : base(nameof(LayerNorm2d))
    {
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        _eps = eps;
        RegisterComponents();
    }

    /// <param name="input">[B, C, h, w]</param>
    /// <returns>[B, C, h, w], each location's C values normalised to zero mean and unit variance, then scaled and shifted.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var channelsLast = input.permute(0, 2, 3, 1);                                       // [B, C, h, w] -> [B, h, w, C]
        var normalised = nn.functional.layer_norm(channelsLast, [weight.shape[0]], weight, bias, _eps);
        return normalised.permute(0, 3, 1, 2).MoveToOuterDisposeScope();                    // -> [B, C, h, w]
    }
}
