using System.CommandLine;
using TorchSharp;

namespace PerceptionEncoder.Cli.Infrastructure;

/// <summary>Options every command accepts.</summary>
public static class GlobalOptions
{
    public static Option<int?> Threads { get; } = new("--threads")
    {
        Description = "Torch and worker thread count (default: the number of cores).",
        Recursive = true,
    };

    public static Option<string> Device { get; } = new("--device")
    {
        Description = "Where models run: cpu or cuda (cuda needs a build with -p:PeTorchBackend=cuda).",
        DefaultValueFactory = _ => "cpu",
        Recursive = true,
    };

    public static Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Print stack traces with errors, and more detail while working.",
        Recursive = true,
    };

    static GlobalOptions()
    {
        Device.AcceptOnlyFromAmong("cpu", "cuda");
        Threads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--threads must be at least 1.");
        });
    }

    /// <summary>Applies --threads and returns the torch device of --device.</summary>
    public static torch.Device ApplyTorchSettings(System.CommandLine.ParseResult parse)
    {
        int threads = parse.GetValue(Threads) ?? Environment.ProcessorCount;
        torch.set_num_threads(threads);
        Backbone.Model.NnpackSwitch.Disable();
        string device = parse.GetValue(Device) ?? "cpu";
        if (device == "cuda" && !torch.cuda.is_available())
            throw new InvalidDataException("--device cuda: no CUDA device is available (this build uses the CPU libtorch; rebuild with -p:PeTorchBackend=cuda).");
        return new torch.Device(device);
    }

    public static int WorkerThreads(System.CommandLine.ParseResult parse) =>
        parse.GetValue(Threads) ?? Environment.ProcessorCount;
}
