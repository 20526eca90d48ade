using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// PE-Core's attention pooling: a learned <c>probe</c> [1, 1, C] attends over all tokens with a standard
/// multi-head attention (biases, D^-0.5 scaling), then <c>x = x + mlp(layernorm(x))</c> (4x hidden, GELU). No other
/// residual or norm.
/// </summary>
public sealed class AttentionPooling : nn.Module<Tensor, Tensor>
{
    private readonly Parameter probe;
    private readonly MultiheadAttention attn;
    private readonly LayerNorm layernorm;
    private readonly Mlp mlp;

    public AttentionPooling(PeConfig config, ScalarType dtype, Device? device) : base(nameof(AttentionPooling))
    {
        long c = config.Width;
        probe = new Parameter(torch.zeros([1, 1, c], dtype: dtype, device: device), requires_grad: false);
        attn = new MultiheadAttention(c, config.AttnPoolerHeads, dtype, device);
        layernorm = nn.LayerNorm(c, eps: 1e-5, device: device, dtype: dtype);
        mlp = new Mlp(c, config.AttnPoolMlpWidth, dtype, device);
        register_parameter(nameof(probe), probe);
        register_module(nameof(attn), attn);
        register_module(nameof(layernorm), layernorm);
        register_module(nameof(mlp), mlp);
    }

    /// <summary>[B, T, C] -> [B, 1, C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var query = probe.expand(x.shape[0], -1, -1); // [1, 1, C] -> [B, 1, C]
        var pooled = attn.CrossAttention(query, x); // [B, 1, C]
        return (pooled + mlp.forward(layernorm.forward(pooled))).MoveToOuterDisposeScope();
    }
}
