using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Imaging;
using static TorchSharp.torch;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe features --checkpoint FILE [--config NAME|FILE.json] [--layers LIST] [--image-size N | --native]
/// [--dtype fp32|bf16] [--batch N] --out DIR INPUT...</c>: patch feature maps of images, one safetensors file per
/// image with <c>layer_&lt;i&gt;</c> float32 [C, h, w] and (class-token models) <c>cls_&lt;i&gt;</c> float32 [C].
/// INPUT may also be already-preprocessed float32 <c>.npy</c> arrays ([3, H, W] or [1, 3, H, W], x = pixel/255*2-1),
/// which go to the model without resizing (see <see cref="PreprocessedImage"/>). Files are written atomically, and a
/// second run keeps those already written with the same settings, so an interrupted run resumes.
/// </summary>
internal static class FeaturesCommand
{
    internal static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Backbone checkpoint (.pt torch zip or .safetensors).", Required = true };
        var config = new Option<string?>("--config") { Description = "Released config name or JSON file; default: from the checkpoint's file name or tensor shapes." };
        var layers = new Option<string>("--layers") { Description = "Comma-separated block indices, 0-based, negative from the end.", DefaultValueFactory = _ => "-1" };
        var imageSize = new Option<int?>("--image-size") { Description = "Squash-resize images to N x N (default: the config's image_size); .npy inputs are never resized." };
        var native = new Option<bool>("--native") { Description = "Keep each image's size, floored to a multiple of the patch (.npy inputs always keep theirs)." };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: fp32 or bf16 (outputs are float32 either way).", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "bf16");
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 4 };
        var output = new Option<string>("--out") { Description = "Output folder: <stem>.safetensors per image (folder inputs keep their sub-folders).", Required = true };
        var inputs = new Argument<string[]>("INPUT")
        {
            Description = "Image files (JPEG, PNG, ...), preprocessed inputs as .npy (float32 [3, H, W] or [1, 3, H, W], "
                + "values x = pixel/255*2-1 in [-1, 1], H and W multiples of the patch, used as they are without resizing), "
                + "or folders of either (searched recursively).",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("features", "Patch feature maps of chosen blocks for images, as safetensors (layer_<i> [C, h, w], cls_<i> [C]). "
            + "Images are preprocessed as the reference does; .npy inputs are taken as already preprocessed tensors and not resized.")
        {
            checkpoint, config, layers, imageSize, native, dtype, batch, output, inputs,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(imageSize) != null && parse.GetValue(native))
                throw new CliUsageException("--image-size and --native exclude each other.");
            int batchSize = parse.GetValue(batch);
            if (batchSize < 1) throw new CliUsageException($"--batch must be at least 1 (got {batchSize}).");
            if (parse.GetValue(imageSize) is < 1) throw new CliUsageException($"--image-size must be positive (got {parse.GetValue(imageSize)}).");
            var layerList = ParseLayers(parse.GetValue(layers)!);
            var device = GlobalOptions.ApplyTorchSettings(parse);
            var request = new Request(
                parse.GetValue(checkpoint)!, parse.GetValue(config), layerList, parse.GetValue(imageSize), parse.GetValue(native),
                BackboneLoading.DTypeOf(parse.GetValue(dtype)), batchSize, parse.GetValue(output)!,
                parse.GetValue(inputs)!, device);
            var (written, summary) = Run(request);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {written} feature file(s) to {request.OutDir}: {summary}");
            return 0;
        });
        return command;
    }

    private const string PreprocessedInput = "none (preprocessed .npy input)";

    internal sealed record Request(string Checkpoint, string? Config, IReadOnlyList<int> Layers, int? ImageSize, bool Native,
        ScalarType DType, int Batch, string OutDir, IReadOnlyList<string> Inputs, Device Device);

    internal static IReadOnlyList<int> ParseLayers(string text)
    {
        var layers = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int layer))
                throw new CliUsageException($"--layers: \"{part}\" is not a block index (expected e.g. -1 or 3,7,11).");
            layers.Add(layer);
        }
        return layers;
    }

    /// <summary>Runs the extraction; returns the number of files written and a one-line description.</summary>
    internal static (int Written, string Summary) Run(Request request)
    {
        var plan = PlanOutputs(request.Inputs, request.OutDir);
        if (plan.Count == 0) throw new FileNotFoundException($"no images found in {string.Join(", ", request.Inputs)} (extensions {string.Join(" ", ImageFile.Extensions)} {PreprocessedImage.Extension}).");
        using var backbone = BackboneLoading.Open(request.Checkpoint, request.Config, request.DType, request.Device);
        var layers = backbone.ResolveLayers(request.Layers);
        int? size = request.Native ? null : request.ImageSize ?? backbone.ImageSize;
        var metadata = new Dictionary<string, string>
        {
            ["config"] = backbone.Name,
            ["weights"] = backbone.WeightsId,
            ["layers"] = string.Join(",", layers),
            ["dtype"] = request.DType == ScalarType.BFloat16 ? "bf16" : "fp32",
            ["preprocess"] = size is { } n ? $"squash {n}x{n}" : $"native floored to {backbone.PatchSize}",
        };
        var pending = plan.Where(p => !IsUpToDate(p.Image, p.Output, metadata, layers)).ToList();
        int kept = plan.Count - pending.Count;
        plan = pending;
        int written = 0;
        string mapShape = "";
        ConsoleProgress.Run("features", plan.Count, progress =>
        {
            foreach (var group in DecodedBatches(plan, request.Batch, size, backbone.PatchSize))
            {
                using var scope = NewDisposeScope();
                var images = stack(group.Select(g => g.ToTensor(size, backbone.PatchSize)).ToList()); // B x [3, H, W] -> [B, 3, H, W]
                using var maps = backbone.Extract(images, layers);
                for (int i = 0; i < group.Count; i++)
                {
                    var tensors = new List<KeyValuePair<string, Tensor>>();
                    foreach (int layer in layers)
                    {
                        tensors.Add(new($"layer_{layer}", maps[layer].select(0, i))); // [B, C, h, w] -> [C, h, w]
                        if (maps.ClassToken(layer) is { } cls) tensors.Add(new($"cls_{layer}", cls.select(0, i))); // [B, C] -> [C]
                    }
                    var (imagePath, outputPath) = plan[group[i].Index];
                    var fileMetadata = new Dictionary<string, string>(metadata)
                    {
                        ["image"] = Path.GetFileName(imagePath),
                        ["image_size"] = group[i].SizeText,
                    };
                    if (group[i].Preprocessed != null) fileMetadata["preprocess"] = PreprocessedInput;
                    SafetensorsFormat.Write(outputPath, tensors, fileMetadata);
                    written++;
                }
                var shape = maps[layers[0]].shape;
                mapShape = $"{shape[1]} channels, {shape[2]}x{shape[3]} maps";
                progress.Report(written);
            }
        });
        string keptText = kept > 0 ? $"; {kept} kept (already written with these settings)" : "";
        return (written, $"{backbone.Name}, layers {string.Join(",", layers)}, {(mapShape.Length > 0 ? mapShape + ", " : "")}{metadata["dtype"]}{keptText}");
    }

    /// <summary>
    /// Whether <paramref name="output"/> already holds this run's features of <paramref name="image"/>, so that a run
    /// resumes after an interruption: the file is newer than the image, readable, made with the same backbone weights,
    /// layers, dtype and preprocessing, and has every layer. Anything else is computed again and overwritten.
    /// </summary>
    private static bool IsUpToDate(string image, string output, IReadOnlyDictionary<string, string> settings, IReadOnlyList<int> layers)
    {
        if (!File.Exists(output) || File.GetLastWriteTimeUtc(output) < File.GetLastWriteTimeUtc(image)) return false;
        try
        {
            var (tensors, stored) = SafetensorsFormat.Read(output);
            var expected = new Dictionary<string, string>(settings) { ["image"] = Path.GetFileName(image) };
            if (PreprocessedImage.IsPreprocessedFile(image)) expected["preprocess"] = PreprocessedInput;
            var names = tensors.Select(t => t.Name).ToHashSet();
            return expected.All(kv => stored.TryGetValue(kv.Key, out var value) && value == kv.Value)
                && layers.All(l => names.Contains($"layer_{l}"));
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Output file of every input image: files give <c>DIR/&lt;stem&gt;.safetensors</c>; folders are searched
    /// recursively for images and <c>.npy</c> inputs and keep their sub-folders. Two images with the same output are refused before any work.
    /// </summary>
    internal static IReadOnlyList<(string Image, string Output)> PlanOutputs(IEnumerable<string> inputs, string outDir)
    {
        var plan = new List<(string Image, string Output)>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                foreach (string file in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => ImageFile.Extensions.Contains(Path.GetExtension(f)) || PreprocessedImage.IsPreprocessedFile(f)).Order(StringComparer.Ordinal))
                {
                    string relative = Path.GetRelativePath(input, file);
                    plan.Add((file, Path.Combine(outDir, Path.ChangeExtension(relative, ".safetensors"))));
                }
            }
            else if (File.Exists(input))
                plan.Add((input, Path.Combine(outDir, Path.GetFileNameWithoutExtension(input) + ".safetensors")));
            else
                throw new FileNotFoundException($"{input}: no such file or folder.", input);
        }
        var clash = plan.GroupBy(p => Path.GetFullPath(p.Output)).FirstOrDefault(g => g.Count() > 1);
        if (clash != null)
            throw new InvalidDataException($"{clash.First().Image} and {clash.Skip(1).First().Image} would both be written to {clash.Key}; give them in separate runs or rename one.");
        return plan;
    }

    /// <summary>One decoded input: an image to preprocess, or an already preprocessed .npy array.</summary>
    private sealed record Decoded(int Index, RgbImage? Image, PreprocessedImage? Preprocessed)
    {
        public static Decoded Read(int index, string path, int patch) => PreprocessedImage.IsPreprocessedFile(path)
            ? new Decoded(index, null, PreprocessedImage.ReadNpy(path, patch))
            : new Decoded(index, ImageFile.ReadRgb(path), null);

        /// <summary>The [3, H, W] size this input reaches the model with.</summary>
        public (int Height, int Width) OutputSize(int? size, int patch) => Preprocessed is { } p
            ? (p.Height, p.Width)
            : PeImageTransform.OutputSize(Image!.Width, Image.Height, size, patch);

        /// <summary>The model input [3, H, W].</summary>
        public Tensor ToTensor(int? size, int patch) => Preprocessed?.ToTensor() ?? PeImageTransform.ToTensor(Image!, size, patch);

        public string SizeText => Preprocessed is { } p ? $"{p.Width}x{p.Height}" : $"{Image!.Width}x{Image.Height}";
    }

    /// <summary>
    /// Images decoded (and .npy inputs read and checked) ahead on a worker thread, grouped into batches (consecutive
    /// inputs of the same output size).
    /// An unreadable image stops the run when its turn comes, after the images before it were written.
    /// </summary>
    private static IEnumerable<List<Decoded>> DecodedBatches(IReadOnlyList<(string Image, string Output)> plan, int batch, int? size, int patch)
    {
        using var cancel = new CancellationTokenSource();
        using var queue = new BlockingCollection<(Decoded? Item, ExceptionDispatchInfo? Error)>(Math.Max(2, 2 * batch));
        var producer = Task.Run(() =>
        {
            try
            {
                for (int i = 0; i < plan.Count && !cancel.IsCancellationRequested; i++)
                {
                    try
                    {
                        queue.Add((Decoded.Read(i, plan[i].Image, patch), null), cancel.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        queue.Add((null, ExceptionDispatchInfo.Capture(e)), cancel.Token);
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            var current = new List<Decoded>();
            (int, int)? currentSize = null;
            foreach (var (item, error) in queue.GetConsumingEnumerable())
            {
                if (error != null)
                {
                    if (current.Count > 0) yield return current;
                    error.Throw();
                }
                var outSize = item!.OutputSize(size, patch);
                if (current.Count == batch || current.Count > 0 && currentSize != outSize)
                {
                    yield return current;
                    current = [];
                }
                current.Add(item);
                currentSize = outSize;
            }
            if (current.Count > 0) yield return current;
        }
        finally
        {
            cancel.Cancel();
            try
            {
                producer.Wait();
            }
            catch (AggregateException)
            {
            }
        }
    }
}
