using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Heads.Tracking;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Suite "tracking": one label-propagation step at DAVIS scale (30×52 grid, C = 768, first frame + 7 context frames,
/// top-5, radius 12) against the same step in Python PyTorch (bench/baselines/tracking_step.py, Debian torch 1.13)
/// in the same run; then the other per-frame costs of the protocol (frame read, PE-Spatial-B forward at 480×832,
/// decoding and writing) and the estimated time of the whole DAVIS 2017 val protocol.
/// Options: --repeats N (default 5), --threads N (default 2), --no-python, --no-backbone.
/// </summary>
public static class TrackingBench
{
    private const int GridHeight = 30, GridWidth = 52, Channels = 768, Context = 7, TopK = 5, Radius = 12, Patch = 16;
    private const int Classes = 3; // DAVIS 2017 val: 61 objects in 30 sequences, ≈ 2 objects + background
    private const int ValSequences = 30, ValFrames = 1999;
    private const int OriginalHeight = 480, OriginalWidth = 854;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Best wall-clock seconds of the repeats and mean process CPU seconds (all threads) per call.</summary>
    private readonly record struct Timing(double Wall, double Cpu);

    public static int Run(string[] args)
    {
        int repeats = IntOption(args, "--repeats", 5), threads = IntOption(args, "--threads", 2);
        set_num_threads(threads);
        var options = new PropagationOptions { TopK = TopK, ContextFrames = Context, Radius = Radius };

        var windowed = TimeStep(options, tokensPerTile: null, repeats);
        var dense = TimeStep(options, tokensPerTile: int.MaxValue, repeats);
        var (python, pythonVersion) = args.Contains("--no-python") ? (null, null) : PythonStep(threads, repeats);
        var decode = TimeDecode(repeats);
        string? frame = SharedFrame();
        var read = frame != null ? Measure(() => FrameLoader.Read(frame, new FramePreprocessing()).Image.Dispose(), repeats) : (Timing?)null;
        var forward = args.Contains("--no-backbone") ? null : TimeBackbone(Math.Min(repeats, 3));

        var w = Console.Out;
        w.WriteLine("## Tracking (label propagation, DAVIS protocol)");
        w.WriteLine();
        w.WriteLine($"Provisional (machine shared). One propagation step at DAVIS scale: {GridHeight}×{GridWidth} grid, C = {Channels}, " +
                    $"first frame + {Context} context frames, top-{TopK}, radius {Radius}, K = {Classes}; {threads} threads; " +
                    $"wall = best of {repeats}, CPU = process CPU time per step (all threads).");
        w.WriteLine();
        w.WriteLine("| implementation | wall ms / step | CPU ms / step | speed-up vs Python (wall / CPU) |");
        w.WriteLine("|---|---|---|---|");
        string Ratio(Timing t) => python is { } p ? string.Format(Inv, "{0:F2}× / {1:F2}×", p.Wall / t.Wall, p.Cpu / t.Cpu) : "n/a";
        w.WriteLine(Row("ours: windowed (target strips × source strips within the radius; exact)", windowed, Ratio(windowed)));
        w.WriteLine(Row("ours: dense (all pairs, neighbourhood as a mask, as the reference)", dense, Ratio(dense)));
        if (python is { } py)
            w.WriteLine(Row($"Python torch {pythonVersion} dense, as the reference (bench/baselines/tracking_step.py)", py, "1.00×"));
        w.WriteLine();
        w.WriteLine("Per-frame costs of the whole protocol:");
        w.WriteLine();
        w.WriteLine("| stage | wall ms / frame | CPU ms / frame |");
        w.WriteLine("|---|---|---|");
        if (read is { } r) w.WriteLine(Row("frame read (cv2.imread of a DAVIS JPEG) + resize to 832×480 + normalise", r));
        if (forward != null)
            foreach (var (name, t) in forward) w.WriteLine(Row($"PE-Spatial-B16 forward at 480×832 (1560 tokens), {name}, random weights", t));
        w.WriteLine(Row("propagation step (windowed, above)", windowed));
        w.WriteLine(Row($"decode: upsample ×{Patch}, norm_mask, argmax, PIL-nearest to {OriginalWidth}×{OriginalHeight}, palette PNG write", decode));
        w.WriteLine();
        int steps = ValFrames - ValSequences;
        double tracking = steps * (windowed.Wall + decode.Wall) + ValFrames * (read?.Wall ?? 0);
        w.WriteLine(string.Format(Inv, "DAVIS 2017 val ({0} sequences, {1} frames, {2} propagation steps): read + propagate + decode + write ≈ {3:F0} s.",
            ValSequences, ValFrames, steps, tracking));
        if (forward != null)
            foreach (var (name, t) in forward)
                w.WriteLine(string.Format(Inv, "With the PE-Spatial-B backbone in {0}: {1:F0} s ≈ {2:F1} min for the whole protocol (backbone {3:F0}%).",
                    name, tracking + ValFrames * t.Wall, (tracking + ValFrames * t.Wall) / 60, 100 * ValFrames * t.Wall / (tracking + ValFrames * t.Wall)));
        w.WriteLine(string.Format(Inv, "Peak RSS {0:F0} MiB.", BenchUtil.PeakRssMiB()));
        w.WriteLine();
        return 0;
    }

    private static string Row(string name, Timing t, string? ratio = null) =>
        string.Format(Inv, "| {0} | {1:F1} | {2:F1} |{3}", name, t.Wall * 1e3, t.Cpu * 1e3, ratio != null ? $" {ratio} |" : "");

    private static Timing Measure(Action action, int repeats)
    {
        action(); // warm-up
        double best = double.MaxValue;
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        process.Refresh();
        return new Timing(best, (process.TotalProcessorTime - cpu).TotalSeconds / repeats);
    }

    private static Timing TimeStep(PropagationOptions options, int? tokensPerTile, int repeats)
    {
        var random = new Random(0);
        using var first = RandomFeatures(random);
        using var labels = OneHot(random);
        using var propagator = tokensPerTile is { } tile
            ? new LabelPropagator(first, labels, options, tile)
            : new LabelPropagator(first, labels, options);
        var targets = Enumerable.Range(0, 3).Select(_ => RandomFeatures(random)).ToArray();
        int next = 0;
        for (int t = 0; t < Context; t++) propagator.Propagate(targets[next++ % targets.Length]).Dispose(); // fill the context
        var timing = Measure(() => propagator.Propagate(targets[next++ % targets.Length]).Dispose(), repeats);
        foreach (var t in targets) t.Dispose();
        return timing;
    }

    private static Timing TimeDecode(int repeats)
    {
        var random = new Random(1);
        using var logits = RandomFeatures(random, Classes);
        using var soft = logits.softmax(0);
        string dir = Directory.CreateTempSubdirectory("pe-bench-tracking-").FullName;
        try
        {
            return Measure(() =>
            {
                var (_, labels) = MaskDecoding.Decode(soft, Patch, OriginalHeight, OriginalWidth);
                Png.WriteIndexed(Path.Combine(dir, "00001.png"), labels);
            }, repeats);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<(string Name, Timing Time)> TimeBackbone(int repeats)
    {
        var results = new List<(string, Timing)>();
        var config = PeConfigs.Get("PE-Spatial-B16-512");
        foreach (var (name, dtype) in new[] { ("fp32", ScalarType.Float32), ("bf16", ScalarType.BFloat16) })
        {
            using var backbone = PeBackbone.CreateRandom(config, seed: 0, dtype);
            using var images = randn(1, 3, 480, 832).clamp(-1, 1);
            results.Add((name, Measure(() => backbone.Extract(images, [-1]).Dispose(), repeats)));
        }
        return results;
    }

    private static (Timing?, string?) PythonStep(int threads, int repeats)
    {
        string script = Path.Combine(RepositoryRoot(), "bench", "baselines", "tracking_step.py");
        string json = BenchUtil.RunProcess("/usr/bin/python3", script, $"{GridHeight}", $"{GridWidth}", $"{Channels}", $"{Context}",
            $"{Classes}", $"{TopK}", $"{Radius}", $"{repeats}", $"{threads}");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return (new Timing(root.GetProperty("best_s").GetDouble(), root.GetProperty("cpu_s").GetDouble()), root.GetProperty("torch").GetString());
    }

    private static Tensor RandomFeatures(Random random, int channels = Channels)
    {
        var data = new float[channels * GridHeight * GridWidth];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return tensor(data, [channels, GridHeight, GridWidth]);
    }

    private static Tensor OneHot(Random random)
    {
        var data = new float[Classes * GridHeight * GridWidth];
        for (int n = 0; n < GridHeight * GridWidth; n++) data[random.Next(Classes) * GridHeight * GridWidth + n] = 1;
        return tensor(data, [Classes, GridHeight, GridWidth]);
    }

    private static string? SharedFrame()
    {
        for (var dir = new DirectoryInfo(RepositoryRoot()); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "datasets-real", "davis", "JPEGImages", "480p", "car-shadow", "00000.jpg");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PerceptionEncoder.slnx"))) return dir.FullName;
        throw new InvalidOperationException("PerceptionEncoder.slnx not found above the bench binary.");
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], Inv) : fallback;
    }
}
