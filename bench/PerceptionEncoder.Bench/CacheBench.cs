using System.Globalization;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Data.Transforms;
using static TorchSharp.torch;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Suite "cache": a batch of features read from the feature cache versus computed by PE-Spatial-T16-512 (random
/// weights) at 512 in the same run, and the cache's size per image.
/// Options: <c>--images N</c> (default 32), <c>--batch B</c> (8), <c>--repeats R</c> (3), <c>--threads T</c>.
/// </summary>
public static class CacheBench
{
    public static int Run(string[] args)
    {
        int images = Option(args, "--images", 32), batchSize = Option(args, "--batch", 8), repeats = Option(args, "--repeats", 3);
        set_num_threads(Option(args, "--threads", Environment.ProcessorCount));
        string root = System.IO.Directory.CreateTempSubdirectory("pe-bench-cache-").FullName;
        try
        {
            // COCO-like images (640x480 JPEG) with annotations, from the synthetic generator.
            SyntheticScenes.WriteCoco(root, "bench", images, seed: 1, new SceneOptions { Width = 640, Height = 480 });
            var source = CocoSampleSource.Open(root, "bench");
            var config = PeConfigs.Get("PE-Spatial-T16-512");
            using var backbone = PeBackbone.CreateRandom(config, seed: 0);
            int[] allLayers = [2, 5, 8, 11];

            var rows = new List<string>();
            foreach (var layers in new[] { new[] { 11 }, allLayers })
            {
                string dir = Path.Combine(root, $"cache-{layers.Length}");
                var options = new FeatureCacheOptions { Directory = dir, Layers = layers, ImageSize = 512, BatchSize = batchSize, DatasetKind = "coco", Split = "bench" };
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var report = FeatureCache.Build(backbone, source, options);
                double buildSeconds = watch.Elapsed.TotalSeconds;
                using var cached = CachedFeatureSource.Open(dir);
                var ids = Enumerable.Range(0, batchSize).Select(source.ItemId).ToList();

                // Cached: the maps of a batch (memory-mapped bf16 -> float32 tensors).
                double read = BenchUtil.BestSeconds(() => { using var maps = cached.GetFeatures(ids); }, repeats);
                // Cached, as a head trains: targets from the annotations (no pixels) + the maps.
                var targetsLoader = new DataLoader(source.Take(batchSize), cached.FixedTransform,
                    new DataLoaderOptions { BatchSize = batchSize, Parts = SampleParts.Detection });
                double readWithTargets = BenchUtil.BestSeconds(() =>
                {
                    foreach (var batch in targetsLoader.Epoch(0))
                        using (batch)
                        using (var maps = cached.GetFeatures(batch)) { }
                }, repeats);
                // Online: decode, squash to 512, backbone forward.
                var online = new OnlineFeatureSource(backbone, layers);
                var imageLoader = new DataLoader(source.Take(batchSize), new SquashResize(512),
                    new DataLoaderOptions { BatchSize = batchSize, Parts = SampleParts.Image | SampleParts.Detection });
                double compute = BenchUtil.BestSeconds(() =>
                {
                    foreach (var batch in imageLoader.Epoch(0))
                        using (batch)
                        using (var maps = online.GetFeatures(batch)) { }
                }, repeats, warmup: 1);
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| [{string.Join(",", layers)}] | {compute * 1000:F0} | {readWithTargets * 1000:F1} | {read * 1000:F1} | {compute / readWithTargets:F0}x | " +
                    $"{report.BytesPerItem / 1024.0:F0} KiB | {images / buildSeconds:F2} |"));
            }

            Console.WriteLine($"## Feature cache (suite `cache`)");
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"A batch of {batchSize} COCO-like 640x480 JPEG images (synthetic scenes) through PE-Spatial-T16-512 (random weights, fp32) at 512x512 " +
                $"(grid 32x32, C = 192), {get_num_threads()} threads, best of {repeats}. \"computed\": decode + squash + backbone forward; " +
                $"\"cached + targets\": what a head's training step gets from the cache (annotations read, boxes transformed, bf16 maps widened to float32); " +
                $"\"cached maps\": the maps alone. Size: bf16 on disk per image."));
            Console.WriteLine();
            Console.WriteLine("| layers | computed (ms/batch) | cached + targets (ms/batch) | cached maps (ms/batch) | speed-up | size per image | cache build (images/s) |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            foreach (string row in rows) Console.WriteLine(row);
            return 0;
        }
        finally
        {
            try { System.IO.Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
