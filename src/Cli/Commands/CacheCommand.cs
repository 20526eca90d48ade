using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe cache --checkpoint FILE [--config ...] --dataset coco|nyu|davis|folder [--data-root DIR] --split NAME
/// --layers LIST [--image-size N] [--dtype bf16|fp16] --out DIR [--skip-bad]</c>: runs the backbone once per item
/// and stores the maps in memory-mapped shards with a manifest (see <see cref="FeatureCache"/>); a second call
/// resumes where the first stopped; a folder holding a cache of another backbone, layers or size is refused.
/// </summary>
internal static class CacheCommand
{
    internal static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Backbone checkpoint (.pt torch zip or .safetensors).", Required = true };
        var config = new Option<string?>("--config") { Description = "Released config name or JSON file; default: from the checkpoint's file name or tensor shapes." };
        var dataset = new Option<string>("--dataset") { Description = "Dataset layout (datasets/README.md).", Required = true };
        dataset.AcceptOnlyFromAmong([.. DatasetKinds.Names]);
        var dataRoot = new Option<string?>("--data-root") { Description = $"Folder holding coco/, nyu_depth_v2/, DAVIS/ (or one of them); default ${DatasetRoot.EnvironmentVariable}." };
        var split = new Option<string>("--split") { Description = "Split: COCO val2017/train2017, NYU test/train, DAVIS val/train, a sub-folder (folder).", Required = true };
        var layers = new Option<string>("--layers") { Description = "Comma-separated block indices, 0-based, negative from the end.", Required = true };
        var imageSize = new Option<int?>("--image-size") { Description = "Squash-resize to N x N (a multiple of the patch; default: the config's image_size)." };
        var dtype = new Option<string>("--dtype") { Description = "Storage dtype of the maps: bf16 or fp16.", DefaultValueFactory = _ => "bf16" };
        dtype.AcceptOnlyFromAmong("bf16", "fp16");
        var output = new Option<string>("--out") { Description = "Cache folder (created; resumed when it holds this cache).", Required = true };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Leave out unreadable images and annotations that point nowhere, and count them, instead of stopping." };
        var batch = new Option<int>("--batch") { Description = "Images per backbone call (part of the cache's identity).", DefaultValueFactory = _ => 4 };
        var computeDtype = new Option<string>("--compute-dtype") { Description = "Backbone compute dtype: fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        computeDtype.AcceptOnlyFromAmong("fp32", "bf16");
        var shardItems = new Option<int>("--shard-items") { Description = "Dataset items per shard file.", DefaultValueFactory = _ => 256 };
        var command = new Command("cache", "Run the backbone once per dataset item and store the feature maps (bf16/fp16) in memory-mapped shards, resumably.")
        {
            checkpoint, config, dataset, dataRoot, split, layers, imageSize, dtype, output, skipBad, batch, computeDtype, shardItems,
        };
        command.SetAction(parse =>
        {
            int batchSize = parse.GetValue(batch), shard = parse.GetValue(shardItems);
            if (batchSize < 1) throw new CliUsageException($"--batch must be at least 1 (got {batchSize}).");
            if (shard < 1) throw new CliUsageException($"--shard-items must be at least 1 (got {shard}).");
            if (parse.GetValue(imageSize) is < 1) throw new CliUsageException($"--image-size must be positive (got {parse.GetValue(imageSize)}).");
            var layerList = FeaturesCommand.ParseLayers(parse.GetValue(layers)!);
            var device = GlobalOptions.ApplyTorchSettings(parse);
            var console = parse.InvocationConfiguration.Output;
            bool skip = parse.GetValue(skipBad);

            string kind = parse.GetValue(dataset)!, splitName = parse.GetValue(split)!;
            var source = DatasetKinds.Open(kind, parse.GetValue(dataRoot), splitName, skip);
            using var backbone = BackboneLoading.Open(parse.GetValue(checkpoint)!, parse.GetValue(config), BackboneLoading.DTypeOf(parse.GetValue(computeDtype)), device);
            var options = new FeatureCacheOptions
            {
                Directory = parse.GetValue(output)!,
                Layers = layerList,
                ImageSize = parse.GetValue(imageSize) ?? backbone.ImageSize,
                DType = CacheDTypes.Parse(parse.GetValue(dtype)!),
                SkipBad = skip,
                BatchSize = batchSize,
                ShardItems = shard,
                Workers = GlobalOptions.WorkerThreads(parse),
                DatasetKind = kind,
                Split = splitName,
                BackboneConfig = JsonNode.Parse(PeConfigJson.Serialize(backbone.Config))!.AsObject(),
            };
            var report = ConsoleProgress.Run($"cache {source.Name}", source.Count, progress => FeatureCache.Build(backbone, source, options, progress));

            var header = FeatureCache.CreateHeader(backbone, source, options);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Directory}: {report.Stored} of {report.Items} items cached ({report.ComputedNow} computed now, {report.AlreadyCached} already cached); " +
                $"{backbone.Name} layers {string.Join(",", header.Layers)} at {options.ImageSize}x{options.ImageSize}, grid {header.Grid[0]}x{header.Grid[1]}, " +
                $"{options.DType.Name()}: {report.BytesPerItem / 1024.0:F1} KiB per item, {report.TotalBytes / (1024.0 * 1024.0):F1} MiB in all."));
            if (source is CocoSampleSource { SkippedAnnotations.Count: > 0 } coco)
            {
                console.WriteLine($"skipped {coco.SkippedAnnotations.Count} annotation(s) that point nowhere, e.g.:");
                foreach (string message in coco.SkippedAnnotations.Take(5)) console.WriteLine($"  {message}");
            }
            if (report.Skipped.Count > 0)
            {
                console.WriteLine($"skipped {report.Skipped.Count} unreadable item(s) (listed in {Path.Combine(report.Directory, FeatureCache.ManifestFileName)}):");
                foreach (var s in report.Skipped.Take(10)) console.WriteLine($"  {s.Reason}");
                if (report.Skipped.Count > 10) console.WriteLine($"  ... and {report.Skipped.Count - 10} more");
            }
            return 0;
        });
        return command;
    }
}
