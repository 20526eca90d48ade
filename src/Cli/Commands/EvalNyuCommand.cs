using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Eval.Numerics;
using PerceptionEncoder.Eval.Nyu;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Commands;

/// <summary><c>pe eval nyu --gt DIR --pred DIR [--split FILE] [--crop eigen|none] [--min-depth] [--max-depth] [--resize] [--out FILE.json]</c>.</summary>
internal static class EvalNyuCommand
{
    public static Command Create()
    {
        var gt = new Option<string>("--gt") { Description = "Folder of GT depth: .png (uint16 millimetres) or .npy (float32 metres).", Required = true };
        var pred = new Option<string>("--pred") { Description = "Folder of predictions: .npy (float32 metres) or .png (uint16 millimetres), same relative names.", Required = true };
        var split = new Option<string?>("--split") { Description = "BTS split list ('rgb path, depth path, focal' per line): pairs GT = --gt/<depth path> with --pred/<depth path stem>.npy|.png." };
        var crop = new Option<string>("--crop") { Description = "eigen (rows 45..470, cols 41..600 of 480x640) or none.", DefaultValueFactory = _ => "eigen" };
        crop.AcceptOnlyFromAmong("eigen", "none");
        var minDepth = new Option<double>("--min-depth") { Description = "Lower bound in metres (BTS: 0.001).", DefaultValueFactory = _ => 1e-3 };
        var maxDepth = new Option<double>("--max-depth") { Description = "Upper bound in metres.", DefaultValueFactory = _ => 10 };
        var resize = new Option<bool>("--resize") { Description = "Resize predictions of another size to the GT size (bilinear, align_corners=True, as ZoeDepth); otherwise a size mismatch is an error." };
        var output = new Option<string?>("--out") { Description = "Write {\"count\", \"mean\", \"per_image\"} to this JSON file (full precision)." };
        var command = new Command("nyu", "NYU Depth v2 metrics with the BTS/AdaBins/ZoeDepth protocol: abs_rel, sq_rel, rmse, rmse_log, log10, silog, d1-d3.")
        {
            gt, pred, split, crop, minDepth, maxDepth, resize, output,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            double min = parse.GetValue(minDepth), max = parse.GetValue(maxDepth);
            if (!(min >= 0) || !(max > min)) throw new CliUsageException($"--min-depth {min} and --max-depth {max}: need 0 <= min < max.");
            var options = new DepthEvalOptions
            {
                MinDepth = min,
                MaxDepth = max,
                Crop = parse.GetValue(crop) == "none" ? DepthCrop.None : DepthCrop.Eigen,
                ResizePrediction = parse.GetValue(resize),
            };
            string gtDir = parse.GetValue(gt)!, predDir = parse.GetValue(pred)!;
            int unused = 0;
            var pairs = parse.GetValue(split) is { } splitFile
                ? NyuEvaluation.PairSplit(splitFile, gtDir, predDir)
                : NyuEvaluation.PairFolders(gtDir, predDir, out unused);
            int threads = GlobalOptions.WorkerThreads(parse);
            var result = ConsoleProgress.Run("nyu eval", pairs.Count, progress => NyuEvaluation.Evaluate(pairs, options, threads, progress));
            if (unused > 0) stderr.WriteLine($"pe: warning: {unused} prediction file(s) in {predDir} have no GT and were not evaluated.");
            foreach (string name in result.EmptyImages)
                stderr.WriteLine($"pe: warning: {name}: no valid GT pixel; its metrics are NaN as in the reference, and so is the mean.");
            stdout.Write(Table(result, options));
            if (parse.GetValue(output) is { } outPath) WriteJson(outPath, result);
            return PeCli.Success;
        });
        return command;
    }

    private static string Table(NyuEvalResult result, DepthEvalOptions options)
    {
        var text = new StringBuilder();
        string crop = options.Crop == DepthCrop.Eigen ? "Eigen crop" : "no crop";
        text.Append(CultureInfo.InvariantCulture, $"NYU depth: {result.Count} image(s), {crop}, valid GT in ({options.MinDepth}, {options.MaxDepth}) m, {result.Mean.ValidPixels} pixels\n");
        foreach (string name in DepthMetrics.Names) text.Append(CultureInfo.InvariantCulture, $"{name,10}");
        text.Append('\n');
        foreach (double v in result.Mean.Values) text.Append(NumpyCompat.FormatFixed(v, 4).PadLeft(10));
        text.Append('\n');
        return text.ToString();
    }

    private static void WriteJson(string path, NyuEvalResult result) => AtomicFile.Write(path, stream =>
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("count", result.Count);
        w.WritePropertyName("mean");
        WriteMetrics(w, result.Mean);
        w.WriteStartObject("per_image");
        foreach (var (name, metrics) in result.PerImage)
        {
            w.WritePropertyName(name);
            WriteMetrics(w, metrics);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static void WriteMetrics(Utf8JsonWriter w, DepthMetrics metrics)
    {
        w.WriteStartObject();
        double[] values = metrics.Values;
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsFinite(values[i])) w.WriteNumber(DepthMetrics.Names[i], values[i]);
            else w.WriteNull(DepthMetrics.Names[i]); // JSON has no NaN
        }
        w.WriteNumber("valid_pixels", metrics.ValidPixels);
        w.WriteEndObject();
    }
}
