using System.CommandLine;
using System.Globalization;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Inference;
using PerceptionEncoder.Heads.Depth.Output;
using PerceptionEncoder.Heads.Depth.Visualization;
using PerceptionEncoder.Imaging;
using TorchSharp;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe depth --checkpoint BACKBONE --head HEAD --out DIR IMAGES...</c>: depth for images with a trained depth
/// head, per image a float32 <c>.npy</c> in metres (<c>DIR/npy/</c>) and a uint16 PNG in millimetres
/// (<c>DIR/png/</c>), both at the image's size and each folder ready for <c>pe eval nyu --pred</c>, and a Turbo colour
/// picture with a scale bar (<c>DIR/color/</c>). Run again after an interruption, it keeps the images already done
/// with the same settings (journal <c>DIR/.pe-depth.jsonl</c>, see <see cref="RunJournal"/>).
/// </summary>
internal static class DepthCommand
{
    private const string JournalName = ".pe-depth.jsonl";

    internal static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Backbone checkpoint the head was trained on (or random:SEED with --config for a random-weight backbone).", Required = true };
        var config = new Option<string?>("--config") { Description = "Backbone config: released name or JSON file (default: from the checkpoint)." };
        var head = new Option<string>("--head") { Description = "The trained head: the --out folder of `pe train depth` (or its head.safetensors).", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: npy/<name>.npy (float32 m), png/<name>.png (uint16 mm), color/<name>.png; evaluate with `pe eval nyu --pred DIR/npy`.", Required = true };
        var imageSize = new Option<int?>("--image-size") { Description = "Squash-resize to N x N (default: the size the head was trained at)." };
        var native = new Option<bool>("--native") { Description = "Keep each image's size, floored to the patch." };
        var dtype = new Option<string>("--dtype") { Description = "Backbone compute dtype: fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "bf16");
        var batch = new Option<int>("--batch") { Description = "Images per forward pass (squash mode).", DefaultValueFactory = _ => 4 };
        var colorRange = new Option<string?>("--color-range") { Description = "NEAR,FAR in metres for the colour pictures (default: each map's own range)." };
        var inputs = new Argument<string[]>("IMAGES") { Description = "Image files or folders of them.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("depth", "Predict depth for images with a trained depth head (PNG mm, NPY m, colour picture).")
        {
            checkpoint, config, head, output, imageSize, native, dtype, batch, colorRange, inputs,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(imageSize) != null && parse.GetValue(native))
                throw new CliUsageException("--image-size and --native exclude each other.");
            if (parse.GetValue(batch) < 1) throw new CliUsageException($"--batch must be at least 1 (got {parse.GetValue(batch)}).");
            if (parse.GetValue(imageSize) is < 1) throw new CliUsageException($"--image-size must be positive (got {parse.GetValue(imageSize)}).");
            var colors = ParseColorRange(parse.GetValue(colorRange));
            var device = GlobalOptions.ApplyTorchSettings(parse);
            using var backbone = BackboneLoading.Open(parse.GetValue(checkpoint)!, parse.GetValue(config), BackboneLoading.DTypeOf(parse.GetValue(dtype)), device);
            using var depthHead = LoadHead(parse.GetValue(head)!, backbone, out var metadata);
            depthHead.to(device);
            int? size = parse.GetValue(native) ? null : parse.GetValue(imageSize) ?? (metadata.Input.Resize == "squash" ? metadata.Input.Size : backbone.ImageSize);
            var predictor = new DepthPredictor(backbone, depthHead, size);
            var inputList = parse.GetValue(inputs)!;
            var (images, depthMaps) = PhotosOf(inputList);
            if (images.Count == 0) throw new FileNotFoundException($"no images found in {string.Join(", ", inputList)}.");
            var names = DepthOutputWriter.NamesOf(inputList, images);
            string outDir = parse.GetValue(output)!;
            int perPass = size == null ? 1 : parse.GetValue(batch);
            string settings = string.Join("; ", BackboneLoading.Identity(backbone),
                $"head {RunJournal.FileKey(HeadCheckpoint.WeightsPath(parse.GetValue(head)!))}", $"size {size?.ToString(CultureInfo.InvariantCulture) ?? "native"}",
                $"colours {parse.GetValue(colorRange) ?? "per map"}");
            using var journal = RunJournal.Open(Path.Combine(outDir, JournalName), settings);
            string Key(int i) => $"{names[i]} {RunJournal.FileKey(images[i])}";
            var todo = Enumerable.Range(0, images.Count)
                .Where(i => !(journal.TryGet(Key(i), out _) && File.Exists(Path.Combine(outDir, DepthOutputWriter.NpyFolder, names[i] + ".npy"))))
                .ToList();
            ConsoleProgress.Run("depth", todo.Count, progress =>
            {
                for (int start = 0; start < todo.Count; start += perPass)
                {
                    var chunk = todo.Skip(start).Take(perPass).ToList();
                    var decoded = chunk.Select(i => ImageFile.ReadRgb(images[i])).ToList();
                    var maps = predictor.PredictBatch(decoded, chunk.Select(i => images[i]).ToList());
                    for (int j = 0; j < chunk.Count; j++)
                    {
                        DepthOutputWriter.Write(outDir, names[chunk[j]], maps[j], colors);
                        journal.Record(Key(chunk[j]), null);
                    }
                    progress.Report(start + chunk.Count);
                }
            });
            parse.InvocationConfiguration.Output.WriteLine(
                $"wrote depth for {todo.Count} image(s) to {outDir}{(todo.Count < images.Count ? $" ({images.Count - todo.Count} kept from an earlier run with the same settings)" : "")}: {DepthOutputWriter.NpyFolder}/<name>.npy (float32 m), " +
                $"{DepthOutputWriter.PngFolder}/<name>.png (uint16 mm), {DepthOutputWriter.ColorFolder}/<name>.png " +
                $"({backbone.Name}{(backbone.IsRandom ? ", random weights" : "")}, {depthHead.Settings.GetType().Name.Replace("Config", "", StringComparison.Ordinal)}, " +
                $"{(size is { } s ? $"squash {s}x{s}" : "native size")})" +
                (depthMaps > 0 ? $"; {depthMaps} 16-bit greyscale PNG(s) (depth maps) skipped in the input folders." : "."));
            return 0;
        });
        return command;
    }

    /// <summary>Loads a depth head exported by `pe train depth`, refusing one trained on another backbone.</summary>
    internal static DepthHead LoadHead(string path, IFeatureBackbone backbone, out HeadMetadata metadata)
    {
        metadata = HeadCheckpoint.ReadMetadata(path);
        if (metadata.Task != DepthHead.TaskName)
            throw new InvalidDataException($"{path}: a {metadata.Task} head, not a depth head.");
        metadata.Backbone.EnsureSameAs(BackboneSpec.Of(backbone), path);
        var head = DepthHead.FromConfig(metadata.Head, metadata.Backbone);
        try
        {
            HeadCheckpoint.LoadWeights(path, head);
        }
        catch
        {
            head.Dispose();
            throw;
        }
        head.eval();
        return head;
    }

    /// <summary>
    /// The images of the inputs. Folders are searched recursively, leaving out 16-bit greyscale PNGs: those are depth
    /// maps (an NYU folder holds them beside the photos), never camera images. Files given by name are kept.
    /// </summary>
    internal static (IReadOnlyList<string> Images, int DepthMapsSkipped) PhotosOf(IReadOnlyList<string> inputs)
    {
        var images = new List<string>();
        int skipped = 0;
        foreach (string input in inputs)
        {
            if (!Directory.Exists(input))
            {
                images.AddRange(ImageFile.Expand([input]));
                continue;
            }
            foreach (string file in ImageFile.Expand([input]))
            {
                if (IsSixteenBitGreyPng(file)) skipped++;
                else images.Add(file);
            }
        }
        return (images, skipped);
    }

    private static bool IsSixteenBitGreyPng(string path)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> header = stackalloc byte[26];
        using var stream = File.OpenRead(path);
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return false;
        // Signature (8), IHDR length (4) and type (4), width (4), height (4), bit depth (1), colour type (1).
        return header[12] == 'I' && header[13] == 'H' && header[14] == 'D' && header[15] == 'R' && header[24] == 16 && header[25] == 0;
    }

    private static DepthColorOptions ParseColorRange(string? text)
    {
        if (text == null) return DepthColorOptions.Default;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 2 && float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out float near)
            && float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float far) && far > near && near >= 0)
            return new DepthColorOptions(near, far);
        throw new CliUsageException($"--color-range {text}: expected NEAR,FAR in metres with 0 <= NEAR < FAR, e.g. 0.5,8.");
    }
}
