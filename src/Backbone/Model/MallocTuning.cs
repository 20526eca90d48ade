using System.Runtime.InteropServices;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// Keeps freed native memory in the process for reuse. libtorch allocates every activation with malloc; glibc serves
/// blocks above its mmap threshold (at most 32 MB) with a fresh mmap and unmaps them on free, so each forward pass
/// page-faults all of its large activations in again (attention scores of one image at 512x512 are 50 MB in fp32).
/// Measured here on a 2-vCPU VM: a [12, 1025, 1025] softmax took 535 ms with the defaults and 16 ms with this
/// tuning. We disable mmap'ed chunks and trimming (glibc <c>mallopt(M_MMAP_MAX, 0)</c>, <c>mallopt(M_TRIM_THRESHOLD,
/// INT_MAX)</c>): the heap grows to the peak of a forward pass and stays there, so memory is flat over many images.
/// Set <c>PE_MALLOC_DEFAULTS=1</c> to keep glibc's defaults. Applied once per process, on Linux only.
/// </summary>
internal static class MallocTuning
{
    private const int TrimThreshold = -1, MmapMax = -4;
    private static int _applied;

    public static void Apply()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1 || !OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("PE_MALLOC_DEFAULTS") == "1") return;
        try
        {
            Mallopt(MmapMax, 0);
            Mallopt(TrimThreshold, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: nothing to tune.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);
}
