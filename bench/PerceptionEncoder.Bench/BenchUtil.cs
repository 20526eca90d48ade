using System.Diagnostics;

namespace PerceptionEncoder.Bench;

/// <summary>Timing helpers: warm-up, then the minimum over repeats (the machine is shared, minima are the stable statistic).</summary>
public static class BenchUtil
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times, then returns the best of <paramref name="repeats"/> timings in seconds.</summary>
    public static double BestSeconds(Action action, int repeats = 3, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) action();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// Best time of at least <paramref name="minRepeats"/> runs after one warm-up, and of more when they are short:
    /// as many as fill <paramref name="minSeconds"/> (at most <paramref name="maxRepeats"/>), so that a fast
    /// configuration is not judged on three runs of a few milliseconds. Returns the best and the number of runs.
    /// </summary>
    public static (double Seconds, int Runs) BestSecondsFilling(Action action, int minRepeats, double minSeconds, int maxRepeats = 30)
    {
        var warmup = Stopwatch.StartNew();
        action();
        double first = warmup.Elapsed.TotalSeconds;
        int runs = Math.Clamp((int)Math.Ceiling(minSeconds / Math.Max(first, 1e-3)), minRepeats, Math.Max(minRepeats, maxRepeats));
        return (BestSeconds(action, runs, warmup: 0), runs);
    }

    /// <summary>Peak resident memory of this process so far (VmHWM), in MiB.</summary>
    public static double PeakRssMiB()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return double.NaN;
    }

    /// <summary>Runs an external program and returns its standard output; throws with its stderr on failure.</summary>
    public static string RunProcess(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr.Result}");
        return stdout;
    }
}
