using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Detection.Inference;
using PerceptionEncoder.Heads.Detection.Visualization;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe detect --checkpoint BACKBONE --head HEAD [--score-threshold T] --out results.json [--viz DIR] IMAGES...</c>:
/// runs the backbone and a trained detection head on images and writes COCO results JSON (real category ids, boxes
/// in the original image coordinates); with <c>--viz</c>, each image with its detections drawn. Run again after an
/// interruption, it keeps the images already done with the same settings (journal <c>.&lt;results file&gt;.pe-detect.jsonl</c>
/// beside the results, see <see cref="RunJournal"/>).
/// </summary>
internal static class DetectCommand
{
    /// <summary>Written beside the results when image ids cannot be taken from the file names.</summary>
    internal const string ImageIdsSuffix = ".image_ids.json";

    internal static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "The backbone checkpoint the head was trained with.", Required = true };
        var config = new Option<string?>("--config") { Description = "Backbone config: a released name or a JSON file (default: from the checkpoint)." };
        var head = new Option<string>("--head") { Description = "The head: the --out folder of `pe train det` (or its head.safetensors).", Required = true };
        var scoreThreshold = new Option<double>("--score-threshold") { Description = "Keep detections scoring above this.", DefaultValueFactory = _ => 0.05 };
        var output = new Option<string>("--out") { Description = "COCO results JSON to write.", Required = true };
        var viz = new Option<string?>("--viz") { Description = "Folder to write each image with its detections drawn." };
        var vizThreshold = new Option<double?>("--viz-threshold") { Description = "Draw detections scoring above this (default: the larger of 0.3 and --score-threshold)." };
        var maxDetections = new Option<int>("--max-detections") { Description = "Detections kept per image.", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 4 };
        var dtype = new Option<string>("--backbone-dtype", "--dtype") { Description = "Backbone compute dtype: fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "bf16");
        var inputs = new Argument<string[]>("IMAGES") { Description = "Image files (JPEG, PNG) or folders of them.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("detect", "Detect objects in images with a trained detection head; write COCO results JSON and optional drawings.")
        {
            checkpoint, config, head, scoreThreshold, output, viz, vizThreshold, maxDetections, batch, dtype, inputs,
        };
        command.SetAction(parse =>
        {
            double threshold = parse.GetValue(scoreThreshold);
            if (threshold is < 0 or >= 1) throw new CliUsageException($"--score-threshold must lie in [0, 1) (got {threshold}).");
            int batchSize = parse.GetValue(batch);
            if (batchSize < 1) throw new CliUsageException($"--batch must be at least 1 (got {batchSize}).");
            int maxDets = parse.GetValue(maxDetections);
            if (maxDets < 1) throw new CliUsageException($"--max-detections must be at least 1 (got {maxDets}).");
            var files = ImageFile.Expand(parse.GetValue(inputs)!);
            if (files.Count == 0) throw new FileNotFoundException($"no images found in {string.Join(", ", parse.GetValue(inputs)!)}.");
            var device = GlobalOptions.ApplyTorchSettings(parse);
            var console = parse.InvocationConfiguration.Output;
            string outPath = parse.GetValue(output)!, headPath = parse.GetValue(head)!;
            string? vizDir = parse.GetValue(viz);
            double drawAbove = parse.GetValue(vizThreshold) ?? Math.Max(0.3, threshold);

            using var backbone = BackboneLoading.Open(parse.GetValue(checkpoint)!, parse.GetValue(config), BackboneLoading.DTypeOf(parse.GetValue(dtype)), device);
            using var pipeline = DetectionPipeline.Open(backbone, headPath);
            var options = pipeline.Detector.Settings.Postprocess with { ScoreThreshold = threshold, MaxDetections = maxDets };
            var ids = ImageIds(files);
            string settings = string.Join("; ", BackboneLoading.Identity(backbone),
                $"head {RunJournal.FileKey(HeadCheckpoint.WeightsPath(headPath))}", string.Create(CultureInfo.InvariantCulture, $"score > {threshold}, at most {maxDets}"));
            string journalPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, $".{Path.GetFileName(outPath)}.pe-detect.jsonl");
            using var journal = RunJournal.Open(journalPath, settings);
            var perImage = new JsonArray?[files.Count]; // [category, x, y, w, h, score] per detection
            for (int i = 0; i < files.Count; i++)
                if (journal.TryGet(RunJournal.FileKey(files[i]), out var done) && done is JsonArray stored
                    && (vizDir == null || File.Exists(Path.Combine(vizDir, VizName(files, i)))))
                    perImage[i] = stored;
            var todo = Enumerable.Range(0, files.Count).Where(i => perImage[i] == null).ToList();
            int drawn = 0;
            ConsoleProgress.Run("detect", todo.Count, progress =>
            {
                for (int start = 0; start < todo.Count; start += batchSize)
                {
                    var chunk = todo.Skip(start).Take(batchSize).ToArray();
                    var images = chunk.Select(i => ImageFile.ReadRgb(files[i])).ToArray();
                    var detections = pipeline.Detect(images, options);
                    for (int j = 0; j < chunk.Length; j++)
                    {
                        int i = chunk[j];
                        if (vizDir != null)
                        {
                            var picture = DetectionDrawing.Draw(images[j], detections[j].Where(d => d.Score > drawAbove).ToList());
                            ImageFile.WriteRgb(Path.Combine(vizDir, VizName(files, i)), picture);
                            drawn++;
                        }
                        perImage[i] = new JsonArray([.. detections[j].Select(d => (JsonNode)new JsonArray(
                            d.CategoryId, (double)d.Box.X1, (double)d.Box.Y1, (double)d.Box.Width, (double)d.Box.Height, Math.Round((double)d.Score, 5)))]);
                        journal.Record(RunJournal.FileKey(files[i]), perImage[i]);
                    }
                    progress.Report(start + chunk.Length);
                }
            });
            var results = new List<CocoDetection>();
            for (int i = 0; i < files.Count; i++)
                results.AddRange(perImage[i]!.Select(d => new CocoDetection
                {
                    ImageId = ids[i],
                    CategoryId = d![0]!.GetValue<int>(),
                    Bbox = new BoxXywh(d[1]!.GetValue<double>(), d[2]!.GetValue<double>(), d[3]!.GetValue<double>(), d[4]!.GetValue<double>()),
                    Score = d[5]!.GetValue<double>(),
                }));
            CocoResults.Save(outPath, results);
            if (!ids.Select((id, i) => (id, i)).All(p => NumericStem(files[p.i]) == p.id))
            {
                string mapPath = Path.ChangeExtension(outPath, null) + ImageIdsSuffix;
                var map = files.Select((f, i) => new { image_id = ids[i], file = Path.GetFullPath(f) });
                AtomicFile.WriteAllText(mapPath, JsonSerializer.Serialize(map, new JsonSerializerOptions { WriteIndented = true }) + "\n");
                console.WriteLine($"image ids are not all in the file names; the ids used are listed in {mapPath}");
            }
            string kept = todo.Count < files.Count ? $"; {files.Count - todo.Count} image(s) kept from an earlier run with the same settings" : "";
            string drawings = vizDir != null ? string.Create(CultureInfo.InvariantCulture, $"; {drawn} drawings in {vizDir} (score > {drawAbove})") : "";
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{outPath}: {results.Count} detections on {files.Count} images (score > {threshold}) by {pipeline.Metadata.Backbone.Name} + detection head ({pipeline.Categories.Count} categories, input {pipeline.InputSize}x{pipeline.InputSize}){drawings}{kept}."));
            return 0;
        });
        return command;
    }

    /// <summary>COCO image ids: the number in each file name (as COCO's 000000039769.jpg) when every name has a distinct one, else 1..N.</summary>
    internal static long[] ImageIds(IReadOnlyList<string> files)
    {
        var stems = files.Select(NumericStem).ToArray();
        bool usable = stems.All(s => s != null) && stems.Distinct().Count() == stems.Length;
        return usable ? stems.Select(s => s!.Value).ToArray() : Enumerable.Range(1, files.Count).Select(i => (long)i).ToArray();
    }

    private static long? NumericStem(string file) =>
        long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : null;

    /// <summary>The drawing's file name: the image's stem (made unique when two inputs share it) as JPEG.</summary>
    private static string VizName(IReadOnlyList<string> files, int index)
    {
        string stem = Path.GetFileNameWithoutExtension(files[index]);
        bool clash = files.Where((f, i) => i != index && Path.GetFileNameWithoutExtension(f) == stem).Any();
        return clash ? $"{stem}_{index + 1}.jpg" : $"{stem}.jpg";
    }
}
