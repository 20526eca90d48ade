using System.Runtime.InteropServices;
using TorchSharp;

namespace PerceptionEncoder.Backbone.Model;

/// <summary>
/// Turns libtorch's NNPACK convolution path off. On CPUs NNPACK does not support (this project's machines among
/// them) libtorch still tries it for small convolutions and prints "Could not initialize NNPACK! Reason:
/// Unsupported hardware" dozens of times; it then uses another kernel anyway, so switching NNPACK off changes no
/// result. TorchSharp 0.107 has no binding for it, so this calls <c>at::globalContext().setUserEnabledNNPACK(false)</c>
/// in libtorch_cpu by its exported C++ name; where the symbol is absent nothing happens. Applied once per process.
/// </summary>
public static class NnpackSwitch
{
    private const string Library = "libtorch_cpu.so";
    private static int _applied;

    public static void Disable()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1 || !OperatingSystem.IsLinux()) return;
        _ = torch.get_num_threads(); // makes TorchSharp load libtorch first
        if (!NativeLibrary.TryLoad(Library, typeof(torch).Assembly, null, out nint library)) return;
        if (!NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out nint globalContext) ||
            !NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledNNPACKEb", out nint setEnabled))
            return;
        nint context = Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)();
        Marshal.GetDelegateForFunctionPointer<SetUserEnabledNnpack>(setEnabled)(context, 0);
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetUserEnabledNnpack(nint context, byte enabled);
}
