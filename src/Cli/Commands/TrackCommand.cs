using System.CommandLine;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Heads.Tracking;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe track (--checkpoint FILE [--config ...] [--layer L] | --features DIR) --out DIR
/// (--davis-root DIR [--set val] [--sequences LIST] | --first-mask FILE.png) [--topk 5] [--context 7] [--radius 12]
/// [--temperature 0.1] [--short-side 480] [--patch P]</c>: label propagation (DINO's DAVIS protocol), DAVIS results out.
/// Run again after an interruption, it keeps the sequences already finished with the same settings (journal
/// <c>OUT/.pe-track.jsonl</c>, see <see cref="RunJournal"/>) whose PNGs are all there.
/// </summary>
internal static class TrackCommand
{
    private const string JournalName = ".pe-track.jsonl";

    private const int DefaultPatch = 16;

    public static Command Create()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "PE backbone checkpoint; features are computed from the frames." };
        var config = new Option<string?>("--config") { Description = "Backbone config: a released name or a JSON file (default: inferred from the checkpoint)." };
        var layer = new Option<int?>("--layer") { Description = "Block whose output is used (0-based, negative from the end; default -1, the last). With --features: which layer_<i> tensor to read when files hold several." };
        var features = new Option<string?>("--features") { Description = "Precomputed features instead of a backbone: DIR/<seq>/<frame>.safetensors (with --davis-root) or DIR/<frame>.safetensors (with --first-mask), one layer_<i> tensor [C, h, w] each, as `pe features` writes." };
        var output = new Option<string>("--out") { Description = "Results folder: <seq>/<frame>.png palette PNGs at the original frame size (the DAVIS results layout).", Required = true };
        var davisRoot = new Option<string?>("--davis-root") { Description = "A DAVIS 2017 root (JPEGImages/, Annotations/, ImageSets/): every sequence of --set, first-frame annotations from Annotations/." };
        var set = new Option<string>("--set") { Description = "DAVIS image set (ImageSets/<year>/<set>.txt).", DefaultValueFactory = _ => "val" };
        var year = new Option<string>("--year") { Description = "DAVIS image-set year.", DefaultValueFactory = _ => "2017" };
        var resolution = new Option<string>("--resolution") { Description = "DAVIS resolution folder.", DefaultValueFactory = _ => "480p" };
        var sequences = new Option<string?>("--sequences") { Description = "Comma-separated sequence names instead of the whole set." };
        var firstMask = new Option<string?>("--first-mask") { Description = "One video: the first frame's annotation (palette or 8-bit grey PNG of object ids)." };
        var frames = new Option<string?>("--frames") { Description = "With --checkpoint and --first-mask: the folder of the video's frames (images, taken in file-name order)." };
        var name = new Option<string?>("--name") { Description = "With --first-mask: the sequence name, i.e. the output subfolder (default: the name of the frames' or features' folder)." };
        var topK = new Option<int>("--topk") { Description = "Affinities kept per target token, over all context frames jointly.", DefaultValueFactory = _ => 5 };
        var context = new Option<int>("--context") { Description = "Most recent frames in the context, besides the first frame.", DefaultValueFactory = _ => 7 };
        var radius = new Option<int>("--radius") { Description = "Half side of the square neighbourhood on the feature grid (0: no restriction).", DefaultValueFactory = _ => 12 };
        var temperature = new Option<double>("--temperature") { Description = "Affinity temperature: exp(cos / T).", DefaultValueFactory = _ => 0.1 };
        var shortSide = new Option<int>("--short-side") { Description = "Frames are resized so that their short side is this.", DefaultValueFactory = _ => 480 };
        var longMultiple = new Option<int>("--long-side-multiple") { Description = "The long side is floored to a multiple of this.", DefaultValueFactory = _ => 64 };
        var dtype = new Option<string>("--dtype") { Description = "Backbone compute dtype: fp32, or bf16 (faster on CPUs with bf16 support; features differ slightly).", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "bf16");
        var patch = new Option<int?>("--patch") { Description = "Upsampling factor from the feature grid (default: the backbone's patch size, else 16)." };

        var command = new Command("track", "Video object segmentation by label propagation on frozen features (the DAVIS 2017 protocol of DINO); writes DAVIS results.")
        {
            checkpoint, config, layer, features, output, davisRoot, set, year, resolution, sequences, firstMask, frames, name,
            topK, context, radius, temperature, shortSide, longMultiple, dtype, patch,
        };
        command.Validators.Add(r =>
        {
            bool hasCheckpoint = r.GetValue(checkpoint) != null, hasFeatures = r.GetValue(features) != null;
            bool hasDavis = r.GetValue(davisRoot) != null, hasMask = r.GetValue(firstMask) != null;
            if (hasCheckpoint == hasFeatures)
                r.AddError("give exactly one source of features: --checkpoint FILE or --features DIR.");
            if (hasDavis == hasMask)
                r.AddError("give exactly one of --davis-root DIR (a dataset) or --first-mask FILE.png (one video).");
            if ((r.GetValue(config) != null || r.GetResult(dtype) is { Implicit: false }) && !hasCheckpoint)
                r.AddError("--config and --dtype apply to --checkpoint.");
            if (hasMask && (r.GetValue(sequences) != null || r.GetResult(set) is { Implicit: false }))
                r.AddError("--set and --sequences apply to --davis-root.");
            if (r.GetValue(frames) != null && !(hasCheckpoint && hasMask))
                r.AddError("--frames applies to --checkpoint with --first-mask (with --features the feature files are the frames).");
            if (hasCheckpoint && hasMask && r.GetValue(frames) == null)
                r.AddError("--checkpoint with --first-mask needs --frames DIR (the video's frames).");
            if (r.GetValue(name) != null && !hasMask)
                r.AddError("--name applies to --first-mask (with --davis-root sequences keep their names).");
        });
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ApplyTorchSettings(parse);
            var propagation = new PropagationOptions
            {
                TopK = parse.GetValue(topK),
                ContextFrames = parse.GetValue(context),
                Radius = parse.GetValue(radius),
                Temperature = parse.GetValue(temperature),
            }.Validate();
            var preprocessing = new FramePreprocessing
            {
                ShortSide = parse.GetValue(shortSide),
                LongSideMultiple = parse.GetValue(longMultiple),
            }.Validate();
            string outDir = parse.GetValue(output)!;

            using var backbone = parse.GetValue(checkpoint) is { } checkpointPath
                ? BackboneLoading.Open(checkpointPath, parse.GetValue(config), BackboneLoading.DTypeOf(parse.GetValue(dtype)), device)
                : null;
            int patchSize = parse.GetValue(patch) ?? backbone?.PatchSize ?? DefaultPatch;
            if (patchSize < 1) throw new CliUsageException($"--patch must be positive (got {patchSize}).");
            var tracker = new VideoTracker(propagation, patchSize);

            // Every sequence is opened (first mask read, frame sizes / feature headers checked) before anything is
            // tracked, so that a bad file stops the run before it has written anything.
            int? layerChoice = parse.GetValue(layer);
            var jobs = parse.GetValue(davisRoot) is { } root
                ? DavisJobs(new DavisDataset(root, parse.GetValue(resolution)!), parse.GetValue(set)!, parse.GetValue(year)!,
                    parse.GetValue(sequences), parse.GetValue(features), backbone, layerChoice, preprocessing)
                : [SingleJob(parse.GetValue(firstMask)!, parse.GetValue(features), parse.GetValue(frames), parse.GetValue(name),
                    backbone, layerChoice, preprocessing)];
            try
            {
                var stdout = parse.InvocationConfiguration.Output;
                foreach (var job in jobs)
                    if (job.Source is FeatureFileSource files && AspectDiffers(files.Shape.Height, files.Shape.Width, job.MaskSize))
                        parse.InvocationConfiguration.Error.WriteLine(
                            $"pe: warning: '{job.Sequence}': the feature grid is {files.Shape.Width}×{files.Shape.Height} but the first mask " +
                            $"{job.FirstMaskPath} is {job.MaskSize.Width}×{job.MaskSize.Height}, a different aspect ratio; are these the video's features?");
                string settings = string.Join("; ",
                    backbone is null ? $"features {Path.GetFullPath(parse.GetValue(features)!)}" : BackboneLoading.Identity(backbone),
                    $"layer {layerChoice?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}", $"patch {patchSize}", propagation, preprocessing);
                using var finished = RunJournal.Open(Path.Combine(outDir, JournalName), settings);
                int frameCount = 0, tracked = 0, kept = 0;
                foreach (var job in jobs)
                {
                    string sequenceDir = Path.Combine(outDir, job.Sequence);
                    if (finished.TryGet(job.Sequence, out var frames) && RunJournal.IntOf(frames) == job.Source.FrameIds.Count
                        && job.Source.FrameIds.All(id => File.Exists(Path.Combine(sequenceDir, id + ".png"))))
                    {
                        kept++;
                        continue;
                    }
                    ConsoleProgress.Run(job.Sequence, job.Source.FrameIds.Count, progress =>
                        tracker.Track(job.Source, job.FirstMaskPath, sequenceDir, progress));
                    finished.Record(job.Sequence, job.Source.FrameIds.Count);
                    frameCount += job.Source.FrameIds.Count;
                    tracked++;
                }
                stdout.WriteLine($"tracked {tracked} sequence(s), {frameCount} frames -> {outDir}" +
                    (kept > 0 ? $"; {kept} sequence(s) kept from an earlier run with the same settings" : ""));
            }
            finally
            {
                foreach (var job in jobs) job.Source.Dispose();
            }
            return PeCli.Success;
        });
        return command;
    }

    /// <summary>One video to track: its name (the output subfolder), first mask, and its frames' features.</summary>
    private sealed record Job(string Sequence, string FirstMaskPath, IFrameFeatureSource Source)
    {
        /// <summary>(height, width) of the first mask, once read.</summary>
        public (int Height, int Width) MaskSize { get; init; }
    }

    private static List<Job> DavisJobs(DavisDataset dataset, string set, string year, string? sequenceList, string? featuresRoot,
        IFeatureBackbone? backbone, int? layer, FramePreprocessing preprocessing)
    {
        var names = sequenceList != null
            ? sequenceList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : dataset.ReadSequenceNames(set, year);
        if (names.Count == 0) throw new InvalidDataException($"{dataset.ImageSetPath(set, year)}: no sequences listed.");
        var jobs = new List<Job>();
        foreach (string sequence in names)
        {
            if (featuresRoot != null)
            {
                var source = new FeatureFileSource(FeatureFileSource.ListFiles(Path.Combine(featuresRoot, sequence)), layer);
                jobs.Add(Checked(new Job(sequence, Path.Combine(dataset.AnnotationsFolder(sequence), source.FrameIds[0] + ".png"), source)));
            }
            else
            {
                var s = dataset.GetSequence(sequence);
                string mask = s.AnnotationPathOf(s.FrameIds[0]) ?? Path.Combine(dataset.AnnotationsFolder(sequence), s.FrameIds[0] + ".png");
                jobs.Add(Checked(new Job(sequence, mask, new BackboneFeatureSource(backbone!, s.ImagePaths, layer ?? -1, preprocessing))));
            }
        }
        return jobs;
    }

    private static Job SingleJob(string firstMask, string? featuresDir, string? framesDir, string? name,
        IFeatureBackbone? backbone, int? layer, FramePreprocessing preprocessing)
    {
        if (featuresDir != null)
            return Checked(new Job(name ?? FolderName(featuresDir), firstMask,
                new FeatureFileSource(FeatureFileSource.ListFiles(featuresDir), layer)));
        if (!Directory.Exists(framesDir)) throw new DirectoryNotFoundException($"{framesDir}: frames folder not found.");
        var images = Directory.EnumerateFiles(framesDir!)
            .Where(f => Imaging.ImageFile.Extensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal).ToArray();
        if (images.Length == 0) throw new InvalidDataException($"{framesDir}: no image frames.");
        return Checked(new Job(name ?? FolderName(framesDir!), firstMask, new BackboneFeatureSource(backbone!, images, layer ?? -1, preprocessing)));
    }

    /// <summary>Reads the first mask now (and checks its size against the frames') so that errors come before any output.</summary>
    private static Job Checked(Job job)
    {
        var mask = FirstFrameMask.Read(job.FirstMaskPath);
        if (job.Source.OriginalSize is { } size && size != (mask.Height, mask.Width))
            throw new InvalidDataException(
                $"{job.FirstMaskPath}: the mask is {mask.Width}×{mask.Height} but the frames of '{job.Sequence}' are {size.Width}×{size.Height}.");
        return job with { MaskSize = (mask.Height, mask.Width) };
    }

    /// <summary>Whether a feature grid's aspect ratio is more than 15% off the mask's (the 64-multiple floor costs ≤ ~8%).</summary>
    private static bool AspectDiffers(int gridHeight, int gridWidth, (int Height, int Width) mask) =>
        Math.Abs(Math.Log((double)gridWidth / gridHeight * mask.Height / mask.Width)) > Math.Log(1.15);

    private static string FolderName(string directory) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
}
