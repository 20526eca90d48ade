using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// The project's fused bfloat16 attention kernel (<c>src/Backbone/Native/pe_attention.cpp</c>, built by
/// <c>build/TorchNatives.targets</c> into the output folder as <c>libpe_attention.so</c>). On CPUs with AVX512_BF16
/// and no AMX, RoPE and attention take about half the time of libtorch's bf16 path, which spends a third of it
/// converting the score matrix to float32 and back for the softmax (bench/RESULTS.md).
/// It is used only where it applies: bfloat16 CPU tensors that need no gradient, a head size among <see cref="HeadSizes"/>, the
/// library built and loaded, this CPU able to run it, and the library sharing libtorch's OpenMP runtime (two runtimes
/// would each spin their threads on the same cores). <see cref="Unavailable"/> says which condition failed.
/// Set <c>PE_NATIVE_ATTENTION=0</c> to use libtorch's path instead.
/// </summary>
public static class NativeAttention
{
    private const string LibraryName = "libpe_attention.so";
    private static readonly Lazy<(AttendBf16? Attend, string? Why)> Kernel = new(Load);

    /// <summary>The head sizes D the kernel is compiled for.</summary>
    public static IReadOnlyList<int> HeadSizes { get; } = [16, 32, 64, 96, 128];

    /// <summary>Whether the kernel can run in this process.</summary>
    public static bool IsAvailable => Kernel.Value.Attend is not null;

    /// <summary>Why the kernel cannot run here, or null when it can.</summary>
    public static string? Unavailable => Kernel.Value.Why;

    /// <summary>Whether the kernel takes these tensors: bf16 on the CPU, no gradient, a supported head size.</summary>
    public static bool Applies(Tensor q, Tensor k, Tensor v) =>
        IsAvailable && q.dtype == ScalarType.BFloat16 && k.dtype == q.dtype && v.dtype == q.dtype &&
        q.device_type == DeviceType.CPU && k.device_type == DeviceType.CPU && v.device_type == DeviceType.CPU &&
        HeadSizes.Contains((int)q.shape[3]) &&
        !(torch.is_grad_enabled() && (q.requires_grad || k.requires_grad || v.requires_grad));

    /// <summary>
    /// softmax(q kᵀ D^-0.5) v with heads merged: q [B, H, Q, D], k and v [B, H, T, D] (any strides, D contiguous
    /// after this call) -> [B, Q, H*D] bfloat16. With <paramref name="rotation"/> (<see cref="Rope2D.Rotation"/>,
    /// complex [T, 1, 1, D/2], self-attention only) q and k are rotated first as <see cref="Rope2D.Apply"/> does:
    /// in float32, rounded to bf16. Throws when <see cref="Applies"/> is false.
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? rotation = null)
    {
        if (!Applies(q, k, v))
            throw new InvalidOperationException(
                "The native bf16 attention kernel does not apply here: " +
                (Unavailable ?? $"it needs bfloat16 CPU tensors without gradient and a head size among {string.Join(", ", HeadSizes)} (got {q.dtype} on {q.device_type}, D = {q.shape[3]})."));
        using var scope = NewDisposeScope();
        long b = q.shape[0], h = q.shape[1], nq = q.shape[2], d = q.shape[3], t = k.shape[2];
        if (k.shape[0] != b || v.shape[0] != b || k.shape[1] != h || v.shape[1] != h || v.shape[2] != t || k.shape[3] != d || v.shape[3] != d)
            throw new ArgumentException($"Attention shapes do not match: q [{string.Join(", ", q.shape)}], k [{string.Join(", ", k.shape)}], v [{string.Join(", ", v.shape)}].");
        if (rotation is not null && (nq != t || rotation.shape[0] != t || rotation.numel() != t * d / 2))
            throw new ArgumentException($"RoPE needs self-attention with one rotation per token: q has {nq} tokens, k {t}, the rotation [{string.Join(", ", rotation.shape)}].");
        var cosines = rotation?.real.reshape(t, d / 2).to(ScalarType.Float32).contiguous(); // [T, D/2]
        var sines = rotation?.imag.reshape(t, d / 2).to(ScalarType.Float32).contiguous();
        q = RowsContiguous(q);
        k = RowsContiguous(k);
        v = RowsContiguous(v);
        var output = torch.empty([b, nq, h * d], dtype: ScalarType.BFloat16); // [B, Q, H*D]
        int status = Kernel.Value.Attend!(DataOf(q), DataOf(k), DataOf(v), DataOf(output), b, h, nq, t, d,
            Strides(q), Strides(k), Strides(v), cosines is null ? 0 : DataOf(cosines), sines is null ? 0 : DataOf(sines),
            torch.get_num_threads());
        if (status != 0)
            throw new InvalidOperationException(status switch
            {
                1 => $"The native attention kernel refused head size {d}.",
                2 => $"The native attention kernel ran out of memory (B = {b}, H = {h}, Q = {nq}, T = {t}).",
                _ => $"The native attention kernel refused its arguments (status {status}).",
            });
        return output.MoveToOuterDisposeScope();
    }

    // The kernel reads each token's D values as one run: the last axis must have stride 1.
    private static Tensor RowsContiguous(Tensor x) => x.stride(3) == 1 ? x : x.contiguous();

    private static long[] Strides(Tensor x) => [x.stride(0), x.stride(1), x.stride(2)];

    private static nint DataOf(Tensor x)
    {
        nint data = THSTensor_data(x.Handle);
        if (data == 0) throw new InvalidOperationException("libtorch returned no data pointer for an attention input.");
        return data;
    }

    private static (AttendBf16?, string?) Load()
    {
        if (Environment.GetEnvironmentVariable("PE_NATIVE_ATTENTION") == "0")
            return (null, "PE_NATIVE_ATTENTION=0 turns it off.");
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return (null, "it is built for Linux x64 only.");
        string path = Path.Combine(AppContext.BaseDirectory, LibraryName);
        if (!File.Exists(path))
            return (null, $"{path} is not there (the build needs g++ 10 or newer to make it).");
        _ = torch.get_num_threads(); // libtorch and its OpenMP runtime load first, so the kernel binds to that runtime
        if (!NativeLibrary.TryLoad(path, out nint library))
            return (null, $"{path} could not be loaded.");
        if (!NativeLibrary.TryGetExport(library, "pe_attention_supported", out nint supported) ||
            !NativeLibrary.TryGetExport(library, "pe_attention_bf16", out nint attend))
            return (null, $"{path} lacks the kernel's entry points.");
        if (Marshal.GetDelegateForFunctionPointer<Supported>(supported)() == 0)
            return (null, "this CPU lacks AVX512_BF16.");
        var runtimes = OpenMpRuntimesLoaded();
        if (runtimes.Count > 1)
            return (null, $"it bound to another OpenMP runtime than libtorch's ({string.Join(", ", runtimes)}).");
        return (Marshal.GetDelegateForFunctionPointer<AttendBf16>(attend), null);
    }

    /// <summary>The distinct libgomp files mapped into this process (one when the kernel shares libtorch's).</summary>
    public static IReadOnlyList<string> OpenMpRuntimesLoaded() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).StartsWith("libgomp", StringComparison.Ordinal))
            .Select(fields => fields[5])
            .Distinct()
            .ToList();

    [DllImport("LibTorchSharp")]
    private static extern nint THSTensor_data(nint handle);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Supported();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int AttendBf16(nint q, nint k, nint v, nint output, long batch, long heads, long queries,
        long keys, long dim, long[] qStrides, long[] kStrides, long[] vStrides, nint cosines, nint sines, int threads);
}
