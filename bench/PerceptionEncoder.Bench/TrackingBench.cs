using System.Globalization;
using System.Text.Json;
using PerceptionEncoder.Heads.Tracking;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Suite "tracking": one label-propagation step at DAVIS scale (30×52 grid, C = 768, first frame + 7 context frames,
/// top-5, radius 12) against the same step in Python PyTorch (bench/baselines/tracking_step.py, Debian torch 1.13),
/// the other per-frame costs of the protocol, and an estimate of the whole DAVIS 2017 val run.
/// Options: --repeats N (default 5), --threads N (default 2), --no-python.
/// </summary>
public static class TrackingBench
{
    private const int GridHeight = 30, GridWidth = 52, Channels = 768, Context = 7, TopK = 5, Radius = 12, Patch = 16;
    private const int Classes = 3; // DAVIS 2017 val: 61 objects in 30 sequences, ≈ 2 objects + background
    private const int ValSequences = 30, ValFrames = 1999;
    private const int OriginalHeight = 480, OriginalWidth = 854;

    public static int Run(string[] args)
    {
        int repeats = IntOption(args, "--repeats", 5), threads = IntOption(args, "--threads", 2);
        bool python = !args.Contains("--no-python");
        set_num_threads(threads);
        var culture = CultureInfo.InvariantCulture;
        var options = new PropagationOptions { TopK = TopK, ContextFrames = Context, Radius = Radius };

        if (Environment.GetEnvironmentVariable("PE_BENCH_TILES") is { } tiles)
            foreach (var t in tiles.Split(',')) TimeStep(options, int.Parse(t, CultureInfo.InvariantCulture), repeats);
        double windowed = TimeStep(options, tokensPerTile: null, repeats);
        double dense = TimeStep(options, tokensPerTile: int.MaxValue, repeats);
        double? baseline = python ? PythonStep(threads, repeats) : null;
        double decode = TimeDecode(repeats);
        double? frameRead = TimeFrameRead(repeats);

        Console.WriteLine("## Tracking (label propagation, DAVIS protocol)");
        Console.WriteLine();
        Console.WriteLine($"One propagation step at DAVIS scale: {GridHeight}×{GridWidth} grid, C = {Channels}, first frame + {Context} " +
                          $"context frames, top-{TopK}, radius {Radius}, K = {Classes}; {threads} threads, best of {repeats}.");
        Console.WriteLine();
        Console.WriteLine("| implementation | ms / step | vs Python |");
        Console.WriteLine("|---|---|---|");
        string Ratio(double ms) => baseline is { } b ? $"{b / ms:F2}×" : "n/a";
        Console.WriteLine(string.Format(culture, "| ours, windowed (strips within the radius; exact) | {0:F1} | {1} |", windowed * 1e3, Ratio(windowed)));
        Console.WriteLine(string.Format(culture, "| ours, dense (one tile: all pairs, masked) | {0:F1} | {1} |", dense * 1e3, Ratio(dense)));
        if (baseline is { } py)
            Console.WriteLine(string.Format(culture, "| Python torch {0}, dense as the reference (bench/baselines/tracking_step.py) | {1:F1} | 1.00× |",
                PythonVersion ?? "?", py * 1e3));
        Console.WriteLine();
        Console.WriteLine("Other per-frame costs (ms):");
        Console.WriteLine();
        Console.WriteLine("| stage | ms / frame |");
        Console.WriteLine("|---|---|");
        Console.WriteLine(string.Format(culture, "| decode: upsample ×{0}, norm_mask, argmax, PIL-nearest to {1}×{2}, palette PNG write | {3:F1} |",
            Patch, OriginalWidth, OriginalHeight, decode * 1e3));
        if (frameRead is { } read)
            Console.WriteLine(string.Format(culture, "| frame read (cv2.imread JPEG) + resize to 832×480 + normalise | {0:F1} |", read * 1e3));
        Console.WriteLine();
        double perFrame = windowed + decode + (frameRead ?? 0);
        Console.WriteLine(string.Format(culture,
            "DAVIS 2017 val ({0} sequences, {1} frames): tracking without the backbone ≈ {2:F0} s " +
            "({3} propagation steps × (step + decode) + {1} frame reads).", ValSequences, ValFrames,
            (ValFrames - ValSequences) * (windowed + decode) + ValFrames * (frameRead ?? 0), ValFrames - ValSequences));
        Console.WriteLine(string.Format(culture, "Peak RSS {0:F0} MiB.", BenchUtil.PeakRssMiB()));
        Console.WriteLine();
        _ = perFrame;
        return 0;
    }

    private static double TimeStep(PropagationOptions options, int? tokensPerTile, int repeats)
    {
        var random = new Random(0);
        using var first = RandomFeatures(random);
        using var labels = OneHot(random);
        using var propagator = tokensPerTile is { } tile
            ? new LabelPropagator(first, labels, options, tile)
            : new LabelPropagator(first, labels, options);
        var targets = Enumerable.Range(0, 3).Select(_ => RandomFeatures(random)).ToArray();
        for (int t = 0; t < Context; t++) propagator.Propagate(targets[t % targets.Length]).Dispose(); // full context
        int next = 0;
        double best = BenchUtil.BestSeconds(() => propagator.Propagate(targets[next++ % targets.Length]).Dispose(), repeats, warmup: 1);
        if (Environment.GetEnvironmentVariable("PE_BENCH_CPU") != null)
        {
            var proc = System.Diagnostics.Process.GetCurrentProcess();
            var cpu0 = proc.TotalProcessorTime;
            for (int i = 0; i < repeats; i++) propagator.Propagate(targets[next++ % targets.Length]).Dispose();
            proc.Refresh();
            Console.Error.WriteLine($"tile {tokensPerTile}: cpu {(proc.TotalProcessorTime - cpu0).TotalMilliseconds / repeats:F1} ms/step, wall best {best * 1e3:F1}");
        }
        foreach (var t in targets) t.Dispose();
        return best;
    }

    private static double TimeDecode(int repeats)
    {
        var random = new Random(1);
        using var logits = RandomFeatures(random, Classes);
        using var soft = logits.softmax(0);
        string dir = Directory.CreateTempSubdirectory("pe-bench-tracking-").FullName;
        try
        {
            return BenchUtil.BestSeconds(() =>
            {
                var (_, labels) = MaskDecoding.Decode(soft, Patch, OriginalHeight, OriginalWidth);
                Png.WriteIndexed(Path.Combine(dir, "00001.png"), labels);
            }, repeats, warmup: 1);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double? TimeFrameRead(int repeats)
    {
        string? frame = SharedFrame();
        if (frame == null) return null;
        var preprocessing = new FramePreprocessing();
        return BenchUtil.BestSeconds(() => FrameLoader.Read(frame, preprocessing).Image.Dispose(), repeats, warmup: 1);
    }

    private static string? PythonVersion { get; set; }

    private static double? PythonStep(int threads, int repeats)
    {
        string script = Path.Combine(RepositoryRoot(), "bench", "baselines", "tracking_step.py");
        string json = BenchUtil.RunProcess("/usr/bin/python3", script, $"{GridHeight}", $"{GridWidth}", $"{Channels}", $"{Context}",
            $"{Classes}", $"{TopK}", $"{Radius}", $"{repeats}", $"{threads}");
        using var doc = JsonDocument.Parse(json);
        PythonVersion = doc.RootElement.GetProperty("torch").GetString();
        return doc.RootElement.GetProperty("best_s").GetDouble();
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
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
