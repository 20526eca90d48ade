using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>The two-layer MLP of PE blocks and of the attention pooling: <c>c_fc</c> -> GELU (exact erf) -> <c>c_proj</c>.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly Linear c_proj;

    public Mlp(long width, long hidden, ScalarType dtype, Device? device) : base(nameof(Mlp))
    {
        c_fc = nn.Linear(width, hidden, hasBias: true, device: device, dtype: dtype);
        c_proj = nn.Linear(hidden, width, hasBias: true, device: device, dtype: dtype);
        register_module(nameof(c_fc), c_fc);
        register_module(nameof(c_proj), c_proj);
    }

    /// <summary>The hidden activation after GELU: [..., C] -> [..., hidden].</summary>
    public Tensor Hidden(Tensor x) => nn.functional.gelu(c_fc.forward(x));

    /// <summary>[..., C] -> [..., C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return c_proj.forward(Hidden(x)).MoveToOuterDisposeScope();
    }
}
