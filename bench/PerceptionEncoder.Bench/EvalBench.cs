using System.Diagnostics;
using System.Globalization;
using System.Text;
using PerceptionEncoder.Cli.Infrastructure;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Suite "eval": the whole <c>pe eval coco</c> (JSON loading included) on the seeded 5000-image bbox case, and
/// <c>pe eval davis</c> on the seeded 3 x 50 frames 854x480 case, in-process; peak memory from a child process that
/// runs the command once. The reference tools cannot be installed here (no PyPI), so their timings measured on
/// this machine (EVAL_SPEC §4, issue 3) are quoted as the baseline.
/// </summary>
public static class EvalBench
{
    private const double PycocotoolsSeconds = 29.2, FasterCocoEvalSeconds = 4.2, DavisOfficialSeconds = 7.4;

    public static int Run(string[] args)
    {
        if (args.Length >= 1 && args[0] == "--child") return Child(args[1..]);
        if (args.Length >= 1 && args[0] == "--phases") return Phases(args[1], args[2]);
        string work = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "pe-bench-eval");
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        string cocoDir = Path.Combine(work, "coco");
        if (!File.Exists(Path.Combine(cocoDir, "dets.json")))
        {
            var sw = Stopwatch.StartNew();
            var (gt, crowd) = EvalBenchData.WriteCocoCase(cocoDir);
            Console.Error.WriteLine($"eval bench: wrote the COCO case ({gt} GT, {crowd} crowd) in {sw.Elapsed.TotalSeconds:F1} s");
        }
        string gtPath = Path.Combine(cocoDir, "gt.json"), dtPath = Path.Combine(cocoDir, "dets.json");
        string[] cocoArgs = ["eval", "coco", "--gt", gtPath, "--dt", dtPath];
        string summary = "";
        double cocoSeconds = BenchUtil.BestSeconds(() => summary = RunCli(cocoArgs), repeats);
        var (childSeconds, childPeak) = RunChild(cocoArgs);
        long bytes = new FileInfo(gtPath).Length + new FileInfo(dtPath).Length;

        var text = new StringBuilder();
        text.AppendLine("## Evaluators (suite `eval`)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"COCO bbox case (seeded generator `EvalBenchData.WriteCocoCase`, seed 2024): 5000 images 640x480/480x640, 80 categories, exactly 100 detections per image, {bytes / 1e6:F0} MB of JSON. Threads: {Environment.ProcessorCount}.");
        text.AppendLine();
        text.AppendLine("| implementation | whole `pe eval coco` (load + evaluate + accumulate + summary) | peak RSS |");
        text.AppendLine("| --- | --- | --- |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ours, in-process, best of {repeats} | **{cocoSeconds:F2} s** | |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ours, fresh process (JIT included) | {childSeconds:F2} s | {childPeak:F0} MiB |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| pycocotools 2.0.11, evaluate+accumulate only (EVAL_SPEC §4, measured earlier on this machine, not re-run) | {PycocotoolsSeconds} s | |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| faster_coco_eval 1.7.1 (C++), evaluate+accumulate only (same source) | {FasterCocoEvalSeconds} s | |");
        text.AppendLine();
        text.AppendLine("Summary printed by the run:");
        text.AppendLine("```");
        text.Append(summary);
        text.AppendLine("```");
        Console.WriteLine(text.ToString());
        return 0;
    }

    private static string RunCli(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = PeCli.Run(args, output, error);
        if (code != 0) throw new InvalidOperationException($"pe {string.Join(' ', args)} failed ({code}): {error}");
        return output.ToString();
    }

    /// <summary>Runs the command once in a fresh process; returns its time and peak RSS.</summary>
    private static (double Seconds, double PeakMiB) RunChild(string[] args)
    {
        string stdout = BenchUtil.RunProcess(Environment.ProcessPath!, ["eval", "--child", .. args]);
        string[] f = stdout.Trim().Split('\n')[^1].Split(' ');
        return (double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Wall and CPU time of each phase, for profiling.</summary>
    private static int Phases(string gtPath, string dtPath)
    {
        for (int round = 0; round < 3; round++)
        {
            var process = Process.GetCurrentProcess();
            var sw = Stopwatch.StartNew();
            var cpu0 = process.TotalProcessorTime;
            var gt = PerceptionEncoder.Eval.Formats.Coco.CocoDataset.Load(gtPath);
            double t1 = sw.Elapsed.TotalSeconds; process.Refresh(); var cpu1 = process.TotalProcessorTime;
            var dt = PerceptionEncoder.Eval.Formats.Coco.CocoResults.Load(dtPath);
            double t2 = sw.Elapsed.TotalSeconds; process.Refresh(); var cpu2 = process.TotalProcessorTime;
            var result = PerceptionEncoder.Eval.Coco.CocoEvaluator.Evaluate(gt, dt, new PerceptionEncoder.Eval.Coco.CocoEvalParams { MaxDegreeOfParallelism = int.Parse(Environment.GetEnvironmentVariable("PE_EVAL_THREADS") ?? "2") });
            double t3 = sw.Elapsed.TotalSeconds; process.Refresh(); var cpu3 = process.TotalProcessorTime;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"gt load {t1:F3} s (cpu {(cpu1 - cpu0).TotalSeconds:F3}), dt load {t2 - t1:F3} s (cpu {(cpu2 - cpu1).TotalSeconds:F3}), evaluate {t3 - t2:F3} s (cpu {(cpu3 - cpu2).TotalSeconds:F3}); AP {result.Stats[0]:R}"));
        }
        return 0;
    }

    private static int Child(string[] args)
    {
        var sw = Stopwatch.StartNew();
        RunCli(args);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sw.Elapsed.TotalSeconds:F3} {BenchUtil.PeakRssMiB():F1}"));
        return 0;
    }
}
