using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>Per-channel scaling of a residual branch, <c>x * gamma</c> (official <c>LayerScale</c>; key <c>gamma</c> [C]).</summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    private readonly Parameter gamma;

    public LayerScale(long width, double initValue, ScalarType dtype, Device? device) : base(nameof(LayerScale))
    {
        gamma = new Parameter(torch.full([width], initValue, dtype: dtype, device: device), requires_grad: false);
        register_parameter(nameof(gamma), gamma);
    }

    /// <summary>[..., C] -> [..., C].</summary>
    public override Tensor forward(Tensor x) => x * gamma;
}
