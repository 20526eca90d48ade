using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Depth.Dpt;

/// <summary>Pre-activation residual unit: <c>x + conv(relu(conv(relu(x))))</c>, 3×3 convolutions, shape-preserving [B, F, h, w].</summary>
internal sealed class ResidualConvUnit : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;

    public ResidualConvUnit(long features) : base("residual_conv_unit")
    {
        conv1 = nn.Conv2d(features, features, 3, padding: 1);
        conv2 = nn.Conv2d(features, features, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = conv2.forward(conv1.forward(x.relu()).relu());
        return (x + y).MoveToOuterDisposeScope();
    }
}
