using System.CommandLine;
using System.Text.Json;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Eval.Coco;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Commands;

/// <summary><c>pe eval coco --gt FILE --dt FILE [--iou-type bbox|segm] [--out FILE.json]</c>.</summary>
internal static class EvalCocoCommand
{
    public static Command Create()
    {
        var gt = new Option<string>("--gt") { Description = "COCO instances JSON (ground truth).", Required = true };
        var dt = new Option<string>("--dt") { Description = "COCO results JSON: a list of {image_id, category_id, bbox|segmentation, score}.", Required = true };
        var iouType = new Option<string>("--iou-type") { Description = "bbox or segm.", DefaultValueFactory = _ => "bbox" };
        iouType.AcceptOnlyFromAmong("bbox", "segm");
        var output = new Option<string?>("--out") { Description = "Write {\"iou_type\", \"stats\", \"per_category\"} to this JSON file." };
        var command = new Command("coco", "COCO detection metrics exactly as pycocotools COCOeval: the 12 stats and per-category AP.")
        {
            gt, dt, iouType, output,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var type = parse.GetValue(iouType) == "segm" ? CocoIouType.Segm : CocoIouType.Bbox;
            string gtPath = parse.GetValue(gt)!, dtPath = parse.GetValue(dt)!;
            var groundTruth = CocoDataset.Load(gtPath);
            var results = CocoResults.Load(dtPath);
            var result = CocoEvaluator.Evaluate(groundTruth, results, new CocoEvalParams
            {
                IouType = type,
                MaxDegreeOfParallelism = GlobalOptions.WorkerThreads(parse),
            }, dtPath);
            if (result.DroppedUnknownCategory > 0)
                stderr.WriteLine($"pe: warning: {result.DroppedUnknownCategory} result(s) on categories that are not in {gtPath} were ignored (as COCOeval does).");
            if (results.Count == 0)
                stderr.WriteLine($"pe: warning: {dtPath} holds no results; every recall is 0.");
            stdout.Write(result.Summary());
            if (parse.GetValue(output) is { } outPath) WriteJson(outPath, result);
            return PeCli.Success;
        });
        return command;
    }

    private static void WriteJson(string path, CocoEvalResult result) => AtomicFile.Write(path, stream =>
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("iou_type", result.IouType == CocoIouType.Segm ? "segm" : "bbox");
        w.WriteStartArray("stats");
        foreach (double v in result.Stats) w.WriteNumberValue(v);
        w.WriteEndArray();
        w.WriteStartObject("per_category");
        foreach (var c in result.PerCategory) w.WriteNumber(c.CategoryId.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Ap);
        w.WriteEndObject();
        w.WriteStartArray("stat_names");
        foreach (string name in (string[])["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]) w.WriteStringValue(name);
        w.WriteEndArray();
        w.WriteStartObject("per_category_detail");
        foreach (var c in result.PerCategory)
        {
            w.WriteStartObject(c.CategoryId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("name", c.Name);
            w.WriteNumber("AP", c.Ap);
            w.WriteNumber("AP50", c.Ap50);
            w.WriteNumber("AP75", c.Ap75);
            w.WriteNumber("AR100", c.Ar);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteNumber("dropped_unknown_category", result.DroppedUnknownCategory);
        w.WriteNumber("images", result.ImageIds.Count);
        w.WriteEndObject();
    });
}
