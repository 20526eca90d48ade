using System.Diagnostics;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Testing;
using PerceptionEncoder.Tests.Backbone;

namespace PerceptionEncoder.Tests.Detection;

/// <summary>
/// A tiny random-weight PE checkpoint, small synthetic COCO splits and a detection head trained on them once by
/// <c>pe train det</c> (a child process), shared by the CLI tests.
/// </summary>
public sealed class DetectionCliFixture : IDisposable
{
    public static readonly PeConfig Tiny = TinyModels.SpatialLike("tiny-det", patchSize: 16, width: 32, layers: 2, heads: 2, imageSize: 64, mlpRatio: 2);

    public static readonly SceneOptions Scenes = new() { Width = 96, Height = 64, MinObjects = 1, MaxObjects = 2, MinObjectSize = 12 };

    private readonly TempDirectory _temp = new();

    public DetectionCliFixture()
    {
        Checkpoint = _temp.File("tiny.safetensors");
        OtherCheckpoint = _temp.File("other.safetensors");
        Config = _temp.File("tiny.json");
        System.IO.File.WriteAllText(Config, PeConfigJson.Serialize(Tiny));
        using (var backbone = PeBackbone.CreateRandom(Tiny, seed: 3)) backbone.Save(Checkpoint);
        using (var backbone = PeBackbone.CreateRandom(Tiny, seed: 4)) backbone.Save(OtherCheckpoint);
        DataRoot = _temp.File("data");
        Train = SyntheticScenes.WriteCoco(DataRoot, "train", 8, seed: 1, Scenes);
        Val = SyntheticScenes.WriteCoco(DataRoot, "val", 4, seed: 2, Scenes);
        Head = _temp.File("head");
        TrainOutput = RunPe(TrainArguments(Head, epochs: 2, "--eval-every", "1", "--threads", "2"));
    }

    public string Checkpoint { get; }

    /// <summary>The tiny config as JSON (--config): its shapes alone do not say how many heads it has.</summary>
    public string Config { get; }

    public string OtherCheckpoint { get; }

    public string DataRoot { get; }

    public SyntheticCocoSplit Train { get; }

    public SyntheticCocoSplit Val { get; }

    public string Head { get; }

    /// <summary>Exit code and output (stdout then stderr) of the fixture's training run.</summary>
    public (int ExitCode, string Output) TrainOutput { get; }

    public string File(params string[] parts) => _temp.File(parts);

    /// <summary>`pe train det` arguments for the tiny setup.</summary>
    public string[] TrainArguments(string output, int epochs, params string[] extra) =>
    [
        "train", "det", "--checkpoint", Checkpoint, "--config", Config, "--data-root", DataRoot, "--out", output, "--epochs", epochs.ToString(),
        "--batch-size", "4", "--image-size", "64", "--channels", "16", "--levels", "3,4", "--tower-convs", "1",
        "--warmup-steps", "2", "--lr", "0.003", "--seed", "5", .. extra,
    ];

    /// <summary>Runs `pe` in a child process (torch settings of one run do not leak into the test process).</summary>
    public static (int ExitCode, string Output) RunPe(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(StartInfo(args, environment))!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    public static Process StartPe(string[] args)
    {
        var process = Process.Start(StartInfo(args, null))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static ProcessStartInfo StartInfo(string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pe"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        return psi;
    }

    public void Dispose() => _temp.Dispose();
}
