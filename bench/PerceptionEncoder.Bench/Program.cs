using PerceptionEncoder.Bench;

// Each suite measures our implementation beside its named baseline in the same run and prints a Markdown section
// for bench/RESULTS.md. bench/run.sh runs them all (and installs the Python baselines).
var suites = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["backbone"] = BackboneBench.Run,
    ["eval"] = EvalBench.Run,
    ["cache"] = CacheBench.Run,
    ["tracking"] = TrackingBench.Run,
    ["detection"] = DetectionBench.Run,
    ["depth"] = DepthBench.Run,
};

if (args.Length == 0 || !suites.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: bench <{string.Join("|", suites.Keys)}> [options]");
    return 2;
}
return run(args[1..]);
