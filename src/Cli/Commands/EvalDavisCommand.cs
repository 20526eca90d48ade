using System.CommandLine;
using System.Globalization;
using System.Text;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Eval.Davis;
using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Eval.Numerics;

namespace PerceptionEncoder.Cli.Commands;

/// <summary><c>pe eval davis --davis-root DIR --results DIR [--set val] [--year 2017] [--out DIR]</c>.</summary>
internal static class EvalDavisCommand
{
    public static Command Create()
    {
        var root = new Option<string>("--davis-root") { Description = "DAVIS root: JPEGImages/480p, Annotations/480p, ImageSets/<year>/<set>.txt.", Required = true };
        var results = new Option<string>("--results") { Description = "Results folder: <seq>/<frame>.png palette PNGs of object ids.", Required = true };
        var set = new Option<string>("--set") { Description = "Image set (ImageSets/<year>/<set>.txt).", DefaultValueFactory = _ => "val" };
        var year = new Option<string>("--year") { Description = "Image set year.", DefaultValueFactory = _ => "2017" };
        var output = new Option<string?>("--out") { Description = "Where to write global_results-<set>.csv, per-sequence_results-<set>.csv and results.json (default: the results folder, as the official script)." };
        var command = new Command("davis", "DAVIS 2017 semi-supervised J and F exactly as davis2017-evaluation: J&F-Mean, J/F mean, recall, decay.")
        {
            root, results, set, year, output,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            string resultsDir = parse.GetValue(results)!;
            var dataset = new DavisDataset(parse.GetValue(root)!);
            var davisResults = new DavisResults(resultsDir);
            string setName = parse.GetValue(set)!, yearName = parse.GetValue(year)!;
            int frames = 0;
            foreach (string sequence in dataset.ReadSequenceNames(setName, yearName))
                frames += Math.Max(0, dataset.GetSequence(sequence).AnnotationPaths.Count - 2);
            int threads = GlobalOptions.WorkerThreads(parse);
            var result = ConsoleProgress.Run("davis eval", frames,
                progress => DavisEvaluator.Evaluate(dataset, davisResults, setName, yearName, threads, progress));
            result.Write(parse.GetValue(output) ?? resultsDir);
            stdout.Write(Table(result));
            return PeCli.Success;
        });
        return command;
    }

    private static string Table(DavisEvalResult result)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"--------------------------- Global results for {result.Set} ---------------------------\n");
        foreach (var (name, _) in result.Global) text.Append(CultureInfo.InvariantCulture, $"{name,10}");
        text.Append('\n');
        foreach (var (_, value) in result.Global) text.Append(NumpyCompat.FormatFixed(value, 3).PadLeft(10));
        text.Append(CultureInfo.InvariantCulture, $"\n\n---------- Per sequence results for {result.Set} ----------\n");
        int width = Math.Max(8, result.Objects.Max(o => o.Name.Length));
        text.Append("Sequence".PadRight(width)).Append("  J-Mean  F-Mean\n");
        foreach (var o in result.Objects)
            text.Append(o.Name.PadRight(width)).Append("  ").Append(NumpyCompat.FormatFixed(o.JStatistics.Mean, 3).PadLeft(6))
                .Append("  ").Append(NumpyCompat.FormatFixed(o.FStatistics.Mean, 3).PadLeft(6)).Append('\n');
        return text.ToString();
    }
}
