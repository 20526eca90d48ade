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
        if (args.Length >= 1 && args[0] == "--davis-phases") return DavisPhases(args[1]);
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
        var (childSeconds, childCpu, childPeak) = RunChild(cocoArgs);
        long bytes = new FileInfo(gtPath).Length + new FileInfo(dtPath).Length;

        string davisDir = Path.Combine(work, "davis");
        if (!File.Exists(Path.Combine(davisDir, "DAVIS", "ImageSets", "2017", "val.txt")))
        {
            var sw = Stopwatch.StartNew();
            EvalBenchData.WriteDavisCase(Path.Combine(davisDir, "DAVIS"), Path.Combine(davisDir, "results"));
            Console.Error.WriteLine($"eval bench: wrote the DAVIS case in {sw.Elapsed.TotalSeconds:F1} s");
        }
        string[] davisArgs = ["eval", "davis", "--davis-root", Path.Combine(davisDir, "DAVIS"), "--results", Path.Combine(davisDir, "results"), "--out", Path.Combine(davisDir, "out")];
        string davisTable = "";
        double davisSeconds = BenchUtil.BestSeconds(() => davisTable = RunCli(davisArgs), repeats);
        var (davisChildSeconds, davisChildCpu, davisChildPeak) = RunChild(davisArgs);
        const int objects = 10, frames = 50, evaluatedFrames = 48;

        var text = new StringBuilder();
        text.AppendLine("## Evaluators (suite `eval`)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"COCO bbox case (seeded generator `EvalBenchData.WriteCocoCase`, seed 2024): 5000 images 640x480/480x640, 80 categories, exactly 100 detections per image, {bytes / 1e6:F0} MB of JSON. Threads: {Environment.ProcessorCount}.");
        text.AppendLine();
        text.AppendLine("| implementation | whole `pe eval coco` (load + evaluate + accumulate + summary), wall | CPU time, all threads | peak RSS |");
        text.AppendLine("| --- | --- | --- | --- |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ours, in-process, best of {repeats} | **{cocoSeconds:F2} s** | | |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ours, fresh process (runtime start and JIT included) | {childSeconds:F2} s | {childCpu:F2} s | {childPeak:F0} MiB |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| pycocotools 2.0.11, evaluate+accumulate only (EVAL_SPEC §4, measured earlier on this machine, not re-run) | {PycocotoolsSeconds} s | | |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| faster_coco_eval 1.7.1 (C++), evaluate+accumulate only (same source) | {FasterCocoEvalSeconds} s | | |");
        text.AppendLine();
        text.AppendLine("Summary printed by the run:");
        text.AppendLine("```");
        text.Append(summary);
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"DAVIS case (seeded generator `EvalBenchData.WriteDavisCase`, seed 7): 3 sequences x {frames} frames at 854x480, {objects} objects in all (3+3+4), palette PNGs; {evaluatedFrames} frames per sequence are evaluated (first and last skipped).");
        text.AppendLine();
        text.AppendLine("| implementation | whole `pe eval davis` (PNG decoding, J, F, CSVs), wall | per object-frame (/ 10 x 50) | CPU time, all threads | peak RSS |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ours, in-process, best of {repeats} | **{davisSeconds:F2} s** | {davisSeconds * 1000 / (objects * frames):F2} ms | | |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ours, fresh process (runtime start and JIT included) | {davisChildSeconds:F2} s | {davisChildSeconds * 1000 / (objects * frames):F2} ms | {davisChildCpu:F2} s | {davisChildPeak:F0} MiB |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| davis2017-evaluation (official, Python), same shape (issue 3, measured earlier on this machine, not re-run) | {DavisOfficialSeconds} s | {DavisOfficialSeconds * 1000 / (objects * frames):F1} ms | | |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Speed-up against the quoted baselines: COCO {PycocotoolsSeconds / cocoSeconds:F0}x pycocotools and {FasterCocoEvalSeconds / cocoSeconds:F1}x faster_coco_eval (their figures exclude JSON loading, ours include it); DAVIS {DavisOfficialSeconds / davisSeconds:F1}x.");
        text.AppendLine();
        text.AppendLine("Global DAVIS table printed by the run:");
        text.AppendLine("```");
        text.Append(string.Join('\n', davisTable.Split('\n').Take(3)));
        text.AppendLine();
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

    /// <summary>Runs the command once in a fresh process; returns its wall time, CPU time (all threads) and peak RSS.</summary>
    private static (double Seconds, double CpuSeconds, double PeakMiB) RunChild(string[] args)
    {
        string stdout = BenchUtil.RunProcess(Environment.ProcessPath!, ["eval", "--child", .. args]);
        string[] f = stdout.Trim().Split('\n')[^1].Split(' ');
        return (double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture));
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

    /// <summary>CPU time of PNG decoding and of the J/F computation on one DAVIS frame, single-threaded.</summary>
    private static int DavisPhases(string folder)
    {
        string gtPath = Path.Combine(folder, "DAVIS", "Annotations", "480p", "bench-seq-2", "00010.png");
        string resPath = Path.Combine(folder, "results", "bench-seq-2", "00010.png");
        var gt = PerceptionEncoder.Imaging.Png.ReadIndexed(gtPath);
        var res = PerceptionEncoder.Imaging.Png.ReadIndexed(resPath);
        var j = new double[4];
        var f = new double[4];
        for (int round = 0; round < 3; round++)
        {
            var process = Process.GetCurrentProcess();
            var c0 = process.TotalProcessorTime;
            for (int i = 0; i < 20; i++) PerceptionEncoder.Imaging.Png.ReadIndexed(gtPath);
            process.Refresh(); var c1 = process.TotalProcessorTime;
            for (int i = 0; i < 20; i++) PerceptionEncoder.Eval.Davis.DavisMeasures.Frame(gt.Pixels, res.Pixels, gt.Height, gt.Width, 4, j, f);
            process.Refresh(); var c2 = process.TotalProcessorTime;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"png decode {(c1 - c0).TotalMilliseconds / 20:F2} ms, frame J/F (4 objects) {(c2 - c1).TotalMilliseconds / 20:F2} ms; J {j[0]:F3} F {f[0]:F3}"));
        }
        return 0;
    }

    private static int Child(string[] args)
    {
        var sw = Stopwatch.StartNew();
        RunCli(args);
        double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sw.Elapsed.TotalSeconds:F3} {cpu:F3} {BenchUtil.PeakRssMiB():F1}"));
        return 0;
    }
}
