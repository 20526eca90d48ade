using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// One pre-norm PE block: <c>x = x + ls_1(attn(ln_1(x)))</c>, <c>x = x + ls_2(mlp(ln_2(x)))</c>; LayerScale only
/// when configured, LayerNorm eps 1e-5, GELU exact.
/// </summary>
public sealed class ResidualAttentionBlock : nn.Module
{
    private readonly MultiheadAttention attn;
    private readonly LayerScale? ls_1;
    private readonly LayerScale? ls_2;
    private readonly LayerNorm ln_1;
    private readonly LayerNorm ln_2;
    private readonly Mlp mlp;

    public ResidualAttentionBlock(PeConfig config, ScalarType dtype, Device? device) : base(nameof(ResidualAttentionBlock))
    {
        long c = config.Width;
        attn = new MultiheadAttention(c, config.Heads, dtype, device);
        register_module(nameof(attn), attn);
        if (config.LsInitValue is { } ls)
        {
            ls_1 = new LayerScale(c, ls, dtype, device);
            ls_2 = new LayerScale(c, ls, dtype, device);
            register_module(nameof(ls_1), ls_1);
            register_module(nameof(ls_2), ls_2);
        }
        ln_1 = nn.LayerNorm(c, eps: 1e-5, device: device, dtype: dtype);
        ln_2 = nn.LayerNorm(c, eps: 1e-5, device: device, dtype: dtype);
        register_module(nameof(ln_1), ln_1);
        register_module(nameof(ln_2), ln_2);
        mlp = new Mlp(c, config.MlpWidth, dtype, device);
        register_module(nameof(mlp), mlp);
    }

    /// <summary>The attention branch before LayerScale and the residual: attn(ln_1(x)). [B, T, C] -> [B, T, C].</summary>
    public Tensor AttentionBranch(Tensor x, Tensor? rotation)
    {
        using var scope = NewDisposeScope();
        return attn.SelfAttention(ln_1.forward(x), rotation).MoveToOuterDisposeScope();
    }

    /// <summary>The MLP hidden activation after GELU for the residual stream <paramref name="x"/>: [B, T, C] -> [B, T, hidden].</summary>
    public Tensor MlpHidden(Tensor x)
    {
        using var scope = NewDisposeScope();
        return mlp.Hidden(ln_2.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>The residual stream after the attention half: x + ls_1(attn(ln_1(x))). [B, T, C] -> [B, T, C].</summary>
    public Tensor AfterAttention(Tensor x, Tensor? rotation)
    {
        using var scope = NewDisposeScope();
        var branch = AttentionBranch(x, rotation);
        return (x + (ls_1 is null ? branch : ls_1.forward(branch))).MoveToOuterDisposeScope();
    }

    /// <summary>The whole block. [B, T, C] -> [B, T, C].</summary>
    public Tensor Forward(Tensor x, Tensor? rotation)
    {
        using var scope = NewDisposeScope();
        x = AfterAttention(x, rotation);
        var branch = mlp.forward(ln_2.forward(x));
        return (x + (ls_2 is null ? branch : ls_2.forward(branch))).MoveToOuterDisposeScope();
    }
}
