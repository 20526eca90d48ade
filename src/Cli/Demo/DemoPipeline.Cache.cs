using System.Diagnostics;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Heads.Depth.Dpt;

namespace PerceptionEncoder.Cli.Demo;

internal sealed partial class DemoPipeline
{
    /// <summary>Runs the backbone once per image of the four splits and stores the maps the heads read.</summary>
    private CacheStageResult BuildCaches(DataStageResult data, BackboneStageResult backboneInfo) =>
        _stages.Run("cache", "extracting features once into the feature cache", () =>
        {
            var watch = Stopwatch.StartNew();
            var backbone = Backbone(backboneInfo);
            int[] detectionLayers = [-1];
            int[] depthLayers = DptDepthConfig.DefaultLayers(backbone.Depth);
            var jobs = new (string Name, ISampleSource Source, string Kind, string Split, int[] Layers, int Size)[]
            {
                ("coco-train", CocoSampleSource.Open(data.Root, "train"), "coco", "train", detectionLayers, settings.DetectionInputSize),
                ("coco-val", CocoSampleSource.Open(data.Root, "val"), "coco", "val", detectionLayers, settings.DetectionInputSize),
                ("nyu-train", NyuSampleSource.Open(data.Root, "train"), "nyu", "train", depthLayers, settings.DepthInputSize),
                ("nyu-test", NyuSampleSource.Open(data.Root, "test"), "nyu", "test", depthLayers, settings.DepthInputSize),
            };
            long bytes = 0;
            foreach (var job in jobs)
            {
                string directory = Path.Combine(settings.CacheRoot, job.Name);
                Infrastructure.ConsoleProgress.Run($"caching {job.Name}", job.Source.Count, progress =>
                    FeatureCache.Build(backbone, job.Source, new FeatureCacheOptions
                    {
                        Directory = directory,
                        Layers = job.Layers,
                        ImageSize = job.Size,
                        BatchSize = 8,
                        DatasetKind = job.Kind,
                        Split = job.Split,
                    }, progress));
                bytes += new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            }
            return new CacheStageResult(settings.CacheRoot, jobs.Sum(j => j.Source.Count), bytes, watch.Elapsed.TotalSeconds);
        });

    private string CachePath(string name) => Path.Combine(settings.CacheRoot, name);
}
