using System.Globalization;
using System.Text;
using System.Text.Json;
using PerceptionEncoder.Backbone;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Suite "backbone": images/s of PE-Spatial T/S/B at 512x512 (random weights), fp32 and bf16, batch 1 and 8, beside
/// the same forward in Python PyTorch (bench/baselines/backbone_pe.py, Debian's python3-torch) in the same run.
/// Every measurement runs in its own process, so peak memory is per configuration.
/// <code>
/// bench backbone [--models T,S,B] [--dtypes fp32,bf16] [--batches 1,8] [--repeats 3] [--threads 2]
///                [--python /usr/bin/python3 | --no-python] [--python-bf16]
/// bench backbone --profile [--models T,S,B] [--batch 8]   (op-by-op time of one block, <see cref="BackboneProfile"/>)
/// </code>
/// </summary>
public static class BackboneBench
{
    private const double PeakFp32 = 506e9, PeakBf16 = 1012e9; // measured on the project machine (TOOLCHAIN.md)
    private const int Size = 512;
    private const double MinTimedSeconds = 3; // timed runs of ours fill at least this much (see BenchUtil.BestSecondsFilling)
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        if (options.Single is { } single) return Measure(single.Model, single.DType, single.Batch, options.Repeats, options.Threads);
        if (options.Profile) return BackboneProfile.Run(options.Models, options.Batches.Max(), options.Repeats, options.Threads);
        string root = FindRoot();
        var rows = new List<Row>();
        foreach (string model in options.Models)
            foreach (string dtype in options.DTypes)
                foreach (int batch in options.Batches)
                {
                    var ours = Child(Environment.ProcessPath!, ["backbone", "--single", model, dtype, batch.ToString(CultureInfo.InvariantCulture),
                        "--repeats", options.Repeats.ToString(CultureInfo.InvariantCulture), "--threads", options.Threads.ToString(CultureInfo.InvariantCulture)]);
                    Result? python = null;
                    if (options.Python != null && (dtype == "fp32" || options.PythonBf16))
                        python = Child(options.Python, [Path.Combine(root, "bench", "baselines", "backbone_pe.py"), "--model", model, "--dtype", dtype,
                            "--batch", batch.ToString(CultureInfo.InvariantCulture), "--repeats", options.Repeats.ToString(CultureInfo.InvariantCulture),
                            "--threads", options.Threads.ToString(CultureInfo.InvariantCulture)]);
                    var row = new Row(model, dtype, batch, ours, python);
                    rows.Add(row);
                    Console.Error.WriteLine($"backbone: PE-Spatial-{model}16-512 {dtype} b{batch}: {ours.ImagesPerSecond:F2} img/s" +
                        (python != null ? $", pytorch {python.ImagesPerSecond:F2} img/s" : ""));
                }
        Console.Write(Markdown(rows, options));
        return 0;
    }

    /// <summary>Matmul FLOPs of one 512x512 image (patch embedding, qkv, attention, out-proj, MLP; 2 per multiply-add).</summary>
    public static double FlopsPerImage(PeConfig c, int size = Size)
    {
        double n = Math.Pow(size / c.PatchSize, 2), t = n + c.PrefixTokens, w = c.Width, h = c.MlpWidth;
        double patch = 2 * n * w * 3 * c.PatchSize * c.PatchSize;
        double block = 2 * t * w * 3 * w + 4 * t * t * w + 2 * t * w * w + 4 * t * w * h;
        return patch + c.Layers * block;
    }

    private static int Measure(string model, string dtypeName, int batch, int repeats, int threads)
    {
        torch.set_num_threads(threads);
        var dtype = dtypeName == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        using var backbone = PeBackbone.CreateRandom(PeConfigs.Get($"PE-Spatial-{model}16-512"), seed: 0, dtype);
        using var images = rand(batch, 3, Size, Size) * 2 - 1;
        var (seconds, runs) = BenchUtil.BestSecondsFilling(() => backbone.Extract(images, [-1]).Dispose(), repeats, MinTimedSeconds);
        Console.WriteLine(JsonSerializer.Serialize(new Result
        {
            Implementation = "TorchSharp 0.107 / libtorch 2.10",
            SecondsPerBatch = seconds,
            ImagesPerSecond = batch / seconds,
            PeakRssMib = BenchUtil.PeakRssMiB(),
            Runs = runs,
            Threads = torch.get_num_threads(),
        }, Json));
        return 0;
    }

    private static Result Child(string file, string[] args)
    {
        string output = BenchUtil.RunProcess(file, args);
        string line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'));
        return JsonSerializer.Deserialize<Result>(line, Json)!;
    }

    private static string Markdown(List<Row> rows, Options options)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## Backbone (suite `backbone`)");
        sb.AppendLine();
        sb.AppendLine($"PE-Spatial T/S/B 16-512 at {Size}x{Size}, random weights, `Extract(images, [-1])` (one forward to the last block, " +
            $"float32 maps out); {options.Threads} threads; each configuration in its own process; ours: best of at least {options.Repeats} runs after a warm-up, " +
            $"more when runs are short (as many as fill {MinTimedSeconds:F0} s, at most 30); PyTorch: best of {options.Repeats}. " +
            "Baseline: the same architecture in Python PyTorch (`bench/baselines/backbone_pe.py`, Debian python3-torch 1.13, " +
            "matmul attention since 1.13 has no SDPA; it matches the official fixtures to 1e-6). GFLOP/s counts matmul FLOPs; " +
            $"% of peak is against {PeakFp32 / 1e9:F0} GFLOP/s fp32 and {PeakBf16 / 1e9:F0} GFLOP/s bf16 (2 cores).");
        sb.AppendLine();
        sb.AppendLine("| model | dtype | batch | img/s | ms/img | GFLOP/s | % of peak | peak RSS MiB | PyTorch img/s | PyTorch RSS MiB | vs PyTorch | bf16 vs our fp32 |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            double flops = FlopsPerImage(PeConfigs.Get($"PE-Spatial-{r.Model}16-512")) * r.Ours.ImagesPerSecond;
            double peak = r.DType == "bf16" ? PeakBf16 : PeakFp32;
            var fp32 = rows.FirstOrDefault(o => o.Model == r.Model && o.Batch == r.Batch && o.DType == "fp32");
            string speedup = r.DType == "bf16" && fp32 != null ? $"{r.Ours.ImagesPerSecond / fp32.Ours.ImagesPerSecond:F2}x" : "";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| PE-Spatial-{r.Model}16-512 | {r.DType} | {r.Batch} | {r.Ours.ImagesPerSecond:F2} | {1000 / r.Ours.ImagesPerSecond:F0} | " +
                $"{flops / 1e9:F0} | {100 * flops / peak:F0}% | {r.Ours.PeakRssMib:F0} | " +
                $"{(r.Python != null ? r.Python.ImagesPerSecond.ToString("F2", CultureInfo.InvariantCulture) : "")} | " +
                $"{(r.Python != null ? r.Python.PeakRssMib.ToString("F0", CultureInfo.InvariantCulture) : "")} | " +
                $"{(r.Python != null ? $"{r.Ours.ImagesPerSecond / r.Python.ImagesPerSecond:F2}x" : "")} | {speedup} |"));
        }
        sb.AppendLine();
        return sb.ToString();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PerceptionEncoder.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    private sealed record Row(string Model, string DType, int Batch, Result Ours, Result? Python);

    private sealed record Result
    {
        public string Implementation { get; init; } = "";
        public double SecondsPerBatch { get; init; }
        public double ImagesPerSecond { get; init; }
        public double PeakRssMib { get; init; }
        public int Threads { get; init; }
        public int Runs { get; init; }
    }

    private sealed record Options(
        string[] Models, string[] DTypes, int[] Batches, int Repeats, int Threads, string? Python, bool PythonBf16,
        (string Model, string DType, int Batch)? Single, bool Profile)
    {
        public static Options Parse(string[] args)
        {
            var o = new Options(["T", "S", "B"], ["fp32", "bf16"], [1, 8], 3, 2, "/usr/bin/python3", false, null, false);
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                o = args[i] switch
                {
                    "--models" => o with { Models = Next().Split(',') },
                    "--dtypes" => o with { DTypes = Next().Split(',') },
                    "--batches" => o with { Batches = [.. Next().Split(',').Select(int.Parse)] },
                    "--repeats" => o with { Repeats = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--threads" => o with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--python" => o with { Python = Next() },
                    "--no-python" => o with { Python = null },
                    "--python-bf16" => o with { PythonBf16 = true },
                    "--profile" => o with { Profile = true },
                    "--batch" => o with { Batches = [int.Parse(Next(), CultureInfo.InvariantCulture)] },
                    "--single" => o with { Single = (Next(), Next(), int.Parse(Next(), CultureInfo.InvariantCulture)) },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }
            return o;
        }
    }
}
