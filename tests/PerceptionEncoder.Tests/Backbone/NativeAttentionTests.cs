using PerceptionEncoder.Backbone.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

/// <summary>
/// The native bf16 attention kernel against float64 attention of the same bf16 inputs, and against libtorch's bf16
/// path. On a CPU with AVX512_BF16 the kernel must be available (built, loaded, on libtorch's OpenMP runtime);
/// elsewhere these tests skip.
/// </summary>
public sealed class NativeAttentionTests
{
    public static TheoryData<int, int, int, int, int, double> Shapes => new()
    {
        // batch, heads, queries, keys, head size, scale of the inputs (larger: peakier softmax)
        { 1, 1, 1, 1, 64, 1.0 },
        { 2, 3, 77, 77, 64, 1.5 },
        { 1, 2, 1025, 1025, 64, 1.0 },
        { 1, 1, 4097, 4097, 64, 1.0 }, // 1024x1024 images: 8 times the scratch of 512x512
        { 1, 2, 257, 257, 96, 1.0 },
        { 2, 1, 33, 65, 32, 2.0 },
        { 1, 2, 40, 31, 128, 1.0 },
        { 2, 2, 65, 65, 16, 1.0 }, // the head size of the tiny fixture models
        { 3, 4, 1, 257, 64, 1.0 }, // attention pooling: one query over all tokens
        { 1, 2, 50, 50, 64, 6.0 }, // scores up to hundreds: the row maximum must be subtracted
    };

    [NativeAttentionTheory]
    [MemberData(nameof(Shapes))]
    public void Attend_MatchesFloat64Attention_AndIsNoLessAccurateThanLibtorchBf16(int b, int h, int nq, int t, int d, double scale)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = StridedInputs(b, h, nq, t, d, scale, seed: 1000 * d + nq);
        var expected = Float64Attention(q, k, v); // [B, Q, H*D]

        var native = NativeAttention.Attend(q, k, v);
        Assert.Equal(ScalarType.BFloat16, native.dtype);
        Assert.Equal(new long[] { b, nq, h * d }, native.shape);
        var libtorch = MultiheadAttention.Attend(q, k, v, AttentionKernel.Matmul);
        AssertAccurate(expected, native, libtorch);
    }

    [NativeAttentionTheory]
    [InlineData(true, 64)]
    [InlineData(false, 64)]
    [InlineData(true, 16)]
    [InlineData(false, 96)]
    public void Attend_WithRope_MatchesRotationThenFloat64Attention_AndIsNoLessAccurateThanLibtorchBf16(bool classToken, int d)
    {
        using var scope = NewDisposeScope();
        using var rope = new Rope2D(d, classToken);
        var rotation = rope.Rotation(6, 9, torch.CPU); // complex [T, 1, 1, D/2]
        int t = 6 * 9 + (classToken ? 1 : 0), b = 2, h = 3;
        var qkv = (torch.randn([b, t, 3, h, d], generator: new Generator(42)) * 1.5).to(ScalarType.BFloat16); // [B, T, 3, H, D]
        Tensor Head(Tensor x, int i) => x.select(2, i).transpose(1, 2); // -> [B, H, T, D]
        var expected = Float64Attention(Rotate64(Head(qkv, 0), rotation), Rotate64(Head(qkv, 1), rotation), Head(qkv, 2));

        var native = NativeAttention.Attend(Head(qkv, 0), Head(qkv, 1), Head(qkv, 2), rotation);
        var rotated = Rope2D.Apply(qkv.narrow(2, 0, 2), rotation); // libtorch's bf16 path: [B, T, 2, H, D]
        var libtorch = MultiheadAttention.Attend(Head(rotated, 0), Head(rotated, 1), Head(qkv, 2), AttentionKernel.Matmul);
        AssertAccurate(expected, native, libtorch);
        var error = Assert.Throws<ArgumentException>(() => NativeAttention.Attend(Head(qkv, 0).narrow(2, 0, t - 1), Head(qkv, 1), Head(qkv, 2), rotation));
        Assert.Contains("one rotation per token", error.Message);
    }

    [NativeAttentionFact]
    public void Auto_UsesTheKernelForBf16WithoutGradient_AndTheMatmulsWithGradient()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = StridedInputs(1, 2, 17, 17, 64, 1.0, seed: 5);
        Assert.True(NativeAttention.Applies(q, k, v));
        Assert.True(TensorAssert.Identical(NativeAttention.Attend(q, k, v), MultiheadAttention.Attend(q, k, v)));

        var trainable = q.detach().requires_grad_(true);
        Assert.False(NativeAttention.Applies(trainable, k, v));
        Assert.True(TensorAssert.Identical(MultiheadAttention.Attend(trainable, k, v, AttentionKernel.Matmul),
            MultiheadAttention.Attend(trainable, k, v)));
        using (torch.no_grad())
            Assert.True(NativeAttention.Applies(trainable, k, v));
    }

    [NativeAttentionFact]
    public void Kernel_RunsOnLibtorchsOpenMpRuntime()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = StridedInputs(1, 1, 8, 8, 64, 1.0, seed: 6);
        NativeAttention.Attend(q, k, v);
        var runtimes = NativeAttention.OpenMpRuntimesLoaded();
        Assert.True(runtimes.Count == 1, $"OpenMP runtimes mapped: {string.Join(", ", runtimes)}");
    }

    [Fact]
    public void NativeKernel_RefusesFloat32_WithAClearError()
    {
        using var scope = NewDisposeScope();
        var q = torch.randn(1, 2, 5, 64);
        var error = Assert.Throws<InvalidOperationException>(() => MultiheadAttention.Attend(q, q, q, AttentionKernel.Native));
        Assert.Contains("native bf16 attention kernel does not apply", error.Message);
    }

    /// <summary>
    /// The kernel's output against float64 attention: within 1% of the largest value and 0.5% relative L2 (bf16
    /// output rounding alone is up to 2^-9 of each value; the bf16 probabilities add about as much), and at most
    /// 1.25x the L2 error of libtorch's bf16 path on the same inputs.
    /// </summary>
    private static void AssertAccurate(Tensor expected, Tensor native, Tensor libtorch)
    {
        double maxRef = expected.abs().max().item<double>();
        double nativeMax = TensorAssert.MaxAbsDiff(expected, native);
        double nativeL2 = RelativeL2(expected, native), libtorchL2 = RelativeL2(expected, libtorch);
        Assert.True(nativeMax <= 0.01 * maxRef, $"max |diff| {nativeMax:E3} > 1% of max |ref| {maxRef:E3}");
        Assert.True(nativeL2 <= 0.005, $"relative L2 error {nativeL2:E3} > 0.5%");
        Assert.True(nativeL2 <= 1.25 * libtorchL2 + 1e-6, $"relative L2 error {nativeL2:E3}, libtorch's bf16 path {libtorchL2:E3}");
    }

    /// <summary>q, k, v as the model makes them: views of one [B, T, 3, H, D] bf16 tensor (token stride 3*H*D).</summary>
    private static (Tensor Q, Tensor K, Tensor V) StridedInputs(int b, int h, int nq, int t, int d, double scale, int seed)
    {
        var generator = new Generator((ulong)seed);
        var kv = (torch.randn([b, t, 2, h, d], generator: generator) * scale).to(ScalarType.BFloat16); // [B, T, 2, H, D]
        var q = (torch.randn([b, nq, 3, h, d], generator: generator) * scale).to(ScalarType.BFloat16)
            .select(2, 1).transpose(1, 2); // [B, H, Q, D], strided
        return (q, kv.select(2, 0).transpose(1, 2), kv.select(2, 1).transpose(1, 2));
    }

    private static Tensor Float64Attention(Tensor q, Tensor k, Tensor v)
    {
        long b = q.shape[0], h = q.shape[1], nq = q.shape[2], d = q.shape[3];
        var scores = torch.matmul(q.to(ScalarType.Float64), k.to(ScalarType.Float64).transpose(2, 3)) / Math.Sqrt(d);
        var attended = torch.matmul(scores.softmax(-1), v.to(ScalarType.Float64)); // [B, H, Q, D]
        return attended.transpose(1, 2).reshape(b, nq, h * d);
    }

    /// <summary>2-D RoPE in float64: pair (x[2p], x[2p+1]) times cos + i sin of token t. x [B, H, T, D].</summary>
    private static Tensor Rotate64(Tensor x, Tensor rotation)
    {
        long b = x.shape[0], h = x.shape[1], t = x.shape[2], d = x.shape[3];
        var pairs = x.to(ScalarType.Float64).reshape(b, h, t, d / 2, 2); // [B, H, T, D/2, 2]
        var cos = rotation.real.reshape(t, d / 2).to(ScalarType.Float64);
        var sin = rotation.imag.reshape(t, d / 2).to(ScalarType.Float64);
        var a = pairs.select(-1, 0);
        var c = pairs.select(-1, 1);
        return torch.stack([a * cos - c * sin, c * cos + a * sin], dim: -1).reshape(b, h, t, d);
    }

    private static double RelativeL2(Tensor expected, Tensor actual) =>
        (actual.to(ScalarType.Float64) - expected).norm().item<double>() / expected.norm().item<double>();
}

/// <summary>Skips where this CPU lacks AVX512_BF16; on any other x64 Linux machine the kernel must be there.</summary>
public sealed class NativeAttentionFactAttribute : FactAttribute
{
    public NativeAttentionFactAttribute()
    {
        if (NativeAttentionSupport.SkipReason is { } reason) Skip = reason;
    }
}

/// <inheritdoc cref="NativeAttentionFactAttribute"/>
public sealed class NativeAttentionTheoryAttribute : TheoryAttribute
{
    public NativeAttentionTheoryAttribute()
    {
        if (NativeAttentionSupport.SkipReason is { } reason) Skip = reason;
    }
}

internal static class NativeAttentionSupport
{
    public static string? SkipReason =>
        !OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")
            ? "The native attention kernel is built for Linux only."
            : File.ReadLines("/proc/cpuinfo").Any(line => line.StartsWith("flags", StringComparison.Ordinal) && line.Contains(" avx512_bf16", StringComparison.Ordinal))
                ? null
                : "This CPU lacks AVX512_BF16, which the native attention kernel needs.";
}
