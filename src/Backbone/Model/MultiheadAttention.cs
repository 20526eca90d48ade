using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// Multi-head attention with the parameter names of <c>nn.MultiheadAttention</c> (and of PE's <c>SelfAttention</c>):
/// fused <c>in_proj_weight</c> [3C, C] with rows [q; k; v], <c>in_proj_bias</c> [3C], <c>out_proj</c> (Linear C->C).
/// Head h takes channels [h*D, (h+1)*D); scaling D^-0.5; no mask.
/// </summary>
public sealed class MultiheadAttention : nn.Module
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
    private readonly long _width;

    public MultiheadAttention(long width, int heads, ScalarType dtype, Device? device) : base(nameof(MultiheadAttention))
    {
        _width = width;
        Heads = heads;
        in_proj_weight = new Parameter(torch.empty([3 * width, width], dtype: dtype, device: device), requires_grad: false);
        in_proj_bias = new Parameter(torch.zeros([3 * width], dtype: dtype, device: device), requires_grad: false);
        out_proj = nn.Linear(width, width, hasBias: true, device: device, dtype: dtype);
        register_parameter(nameof(in_proj_weight), in_proj_weight);
        register_parameter(nameof(in_proj_bias), in_proj_bias);
        register_module(nameof(out_proj), out_proj);
    }

    public int Heads { get; }

    /// <summary>The attention computation (<see cref="AttentionKernel.Auto"/> by default).</summary>
    public AttentionKernel Kernel { get; set; }

    /// <summary>
    /// Self-attention over all tokens, with 2-D RoPE on q and k when <paramref name="rotation"/> is given
    /// (<see cref="Rope2D.Rotation"/>). [B, T, C] -> [B, T, C] (after out_proj).
    /// </summary>
    public Tensor SelfAttention(Tensor x, Tensor? rotation)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], d = _width / Heads;
        var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias).view(b, t, 3, Heads, d); // [B, T, 3C] -> [B, T, 3, H, D]
        return out_proj.forward(SelfAttend(qkv, rotation, Kernel)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Self-attention of projected tokens, RoPE included: qkv [B, T, 3, H, D] -> [B, T, H*D]. The native kernel
    /// rotates q and k itself while it reads them; the other kernels take them rotated by <see cref="Rope2D.Apply"/>.
    /// </summary>
    public static Tensor SelfAttend(Tensor qkv, Tensor? rotation, AttentionKernel kernel = AttentionKernel.Auto)
    {
        using var scope = NewDisposeScope();
        var q = qkv.select(2, 0).transpose(1, 2); // [B, T, H, D] -> [B, H, T, D]
        var k = qkv.select(2, 1).transpose(1, 2);
        var v = qkv.select(2, 2).transpose(1, 2);
        if (UsesNative(kernel, q, k, v))
            return NativeAttention.Attend(q, k, v, rotation).MoveToOuterDisposeScope();
        if (rotation is not null)
        {
            var qk = Rope2D.Apply(qkv.narrow(2, 0, 2), rotation); // [B, T, 2, H, D]
            q = qk.select(2, 0).transpose(1, 2); // -> [B, H, T, D]
            k = qk.select(2, 1).transpose(1, 2);
        }
        return Attend(q, k, v, kernel).MoveToOuterDisposeScope();
    }

    private static bool UsesNative(AttentionKernel kernel, Tensor q, Tensor k, Tensor v) =>
        kernel == AttentionKernel.Native || kernel == AttentionKernel.Auto && NativeAttention.Applies(q, k, v);

    /// <summary>
    /// softmax(q kᵀ D^-0.5) v with heads merged: q [B, H, Q, D], k and v [B, H, T, D] -> [B, Q, H*D].
    /// With <see cref="AttentionKernel.Auto"/>, float32 uses libtorch's fused scaled_dot_product_attention and
    /// bfloat16 the project's native kernel where it applies, else batched matmuls over chunks of heads: libtorch's
    /// bf16 flash-attention kernel runs its small blocks through a slow path on CPUs without AMX (measured 2 to 3x
    /// slower than the matmuls here), while bf16 bmm runs near the avx512_bf16 peak; for float32 the fused kernel is
    /// the faster one.
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, AttentionKernel kernel = AttentionKernel.Auto)
    {
        if (UsesNative(kernel, q, k, v))
            return NativeAttention.Attend(q, k, v);
        using var scope = NewDisposeScope();
        long b = q.shape[0], h = q.shape[1], nq = q.shape[2], d = q.shape[3], t = k.shape[2];
        Tensor attended;
        bool fused = kernel == AttentionKernel.Fused || kernel == AttentionKernel.Auto && q.dtype != ScalarType.BFloat16;
        if (fused)
            attended = nn.functional.scaled_dot_product_attention(q, k, v); // [B, H, Q, D]
        else
        {
            var qs = (q * Math.Pow(d, -0.5)).reshape(b * h, nq, d); // [B, H, Q, D] -> [BH, Q, D]
            var kt = k.transpose(2, 3).reshape(b * h, d, t); // [B, H, D, T] -> [BH, D, T]
            var vs = v.reshape(b * h, t, d); // [BH, T, D]
            attended = torch.empty([b * h, nq, d], dtype: q.dtype, device: q.device);
            // Heads per chunk: keep the score matrix of a chunk around 32 MB.
            long chunk = Math.Max(1, (32L << 20) / Math.Max(1, nq * t * 2));
            for (long start = 0; start < b * h; start += chunk)
            {
                using var chunkScope = NewDisposeScope();
                long n = Math.Min(chunk, b * h - start);
                var scores = torch.bmm(qs.narrow(0, start, n), kt.narrow(0, start, n)); // [n, Q, T]
                var probabilities = scores.softmax(-1);
                attended.narrow(0, start, n).copy_(torch.bmm(probabilities, vs.narrow(0, start, n))); // [n, Q, D]
            }
            attended = attended.view(b, h, nq, d); // [BH, Q, D] -> [B, H, Q, D]
        }
        return attended.transpose(1, 2).reshape(b, nq, h * d).MoveToOuterDisposeScope(); // [B, Q, H, D] -> [B, Q, C]
    }

    /// <summary>
    /// Attention of <paramref name="query"/> [B, Q, C] over <paramref name="keyValue"/> [B, T, C] (k = v = tokens),
    /// as <c>nn.MultiheadAttention(query, x, x)</c>. Returns [B, Q, C].
    /// </summary>
    public Tensor CrossAttention(Tensor query, Tensor keyValue)
    {
        using var scope = NewDisposeScope();
        long b = keyValue.shape[0], t = keyValue.shape[1], nq = query.shape[1], d = _width / Heads;
        var q = nn.functional.linear(query, in_proj_weight.narrow(0, 0, _width), in_proj_bias.narrow(0, 0, _width))
            .view(b, nq, Heads, d).transpose(1, 2); // [B, Q, C] -> [B, H, Q, D]
        var kv = nn.functional.linear(keyValue, in_proj_weight.narrow(0, _width, 2 * _width), in_proj_bias.narrow(0, _width, 2 * _width))
            .view(b, t, 2, Heads, d); // [B, T, 2C] -> [B, T, 2, H, D]
        var k = kv.select(2, 0).transpose(1, 2); // [B, H, T, D]
        var v = kv.select(2, 1).transpose(1, 2);
        return out_proj.forward(Attend(q, k, v, Kernel)).MoveToOuterDisposeScope();
    }
}
