using System.Text.Json.Nodes;
using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Data;

/// <summary>Corrupt and missing files, annotations that point nowhere: errors that name the file, or counted skips.</summary>
public class BadInputTests
{
    private static readonly SceneOptions Small = new() { Width = 96, Height = 72, MinObjectSize = 10 };

    [Fact]
    public void Coco_AnnotationPointingNowhere_FailsNamingFileAndAnnotation_OrIsSkippedAndCounted()
    {
        using var temp = new TempDirectory();
        var split = SyntheticScenes.WriteCoco(temp.Path, "val", 3, seed: 1, Small);
        var json = JsonNode.Parse(File.ReadAllText(split.AnnotationFile))!;
        var annotations = json["annotations"]!.AsArray();
        annotations[0]!["image_id"] = 999;
        annotations[1]!["category_id"] = 4; // not one of 1, 2, 3, 5, 7, 9
        File.WriteAllText(split.AnnotationFile, json.ToJsonString());

        var e = Assert.Throws<InvalidDataException>(() => CocoSampleSource.Open(temp.Path, "val"));
        Assert.Contains(split.AnnotationFile, e.Message);
        Assert.Contains("annotation 1: image_id 999", e.Message);

        var source = CocoSampleSource.Open(temp.Path, "val", skipBad: true);
        Assert.Equal(2, source.SkippedAnnotations.Count);
        Assert.Contains("annotation 2: category_id 4", source.SkippedAnnotations[1]);
        int instances = Enumerable.Range(0, source.Count).Sum(i => source.Load(i, SampleParts.Detection).Instances!.Count);
        Assert.Equal(annotations.Count - 2, instances);
    }

    [Fact]
    public void Coco_MissingAndCorruptImages_FailNamingThem_OrAreSkippedAndCounted()
    {
        using var temp = new TempDirectory();
        var split = SyntheticScenes.WriteCoco(temp.Path, "val", 5, seed: 1, Small);
        string missing = Path.Combine(split.ImageFolder, "000000000002.jpg"), corrupt = Path.Combine(split.ImageFolder, "000000000004.jpg");
        File.Delete(missing);
        File.WriteAllBytes(corrupt, [0xFF, 0xD8, 0xFF, 0x00, 0x01]);
        var source = CocoSampleSource.Open(temp.Path, "val");

        var notFound = Assert.Throws<FileNotFoundException>(() => source.Load(1, SampleParts.Image));
        Assert.Contains(missing, notFound.Message);
        var unreadable = Assert.Throws<InvalidDataException>(() => source.Load(3, SampleParts.Image));
        Assert.Contains(corrupt, unreadable.Message);
        // Targets alone do not need the pixels.
        Assert.NotNull(source.Load(1, SampleParts.Detection).Instances);

        var loader = new DataLoader(source, null, new DataLoaderOptions { BatchSize = 2, SkipBad = true });
        int loaded = 0;
        foreach (var batch in loader.Epoch(0))
            using (batch) loaded += batch.Count;
        Assert.Equal(3, loaded);
        Assert.Equal([missing, corrupt], loader.Skipped.Select(s => s.Path));
    }

    [Fact]
    public void Nyu_MissingDepthFile_FailsNamingIt_AndABadListLineNamesItsNumber()
    {
        using var temp = new TempDirectory();
        var split = SyntheticScenes.WriteNyu(temp.Path, "test", 3, seed: 1, Small);
        var source = NyuSampleSource.Open(temp.Path, "test");
        File.Delete(source.DepthPath(2));
        var e = Assert.Throws<FileNotFoundException>(() => source.Load(2, SampleParts.Image | SampleParts.Depth));
        Assert.Contains(source.DepthPath(2), e.Message);

        File.AppendAllText(split.ListFile, "scene_000/rgb_00009.jpg only-two-fields\n");
        var bad = Assert.Throws<InvalidDataException>(() => NyuSampleSource.Open(temp.Path, "test"));
        Assert.Contains("line 4", bad.Message);
    }

    [Fact]
    public void DatasetRoot_Missing_SaysWhatToPass()
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<DirectoryNotFoundException>(() => CocoSampleSource.Open(temp.Path, "val2017"));
        Assert.Contains(Path.Combine(temp.Path, "coco"), e.Message);
        Assert.Contains("datasets/README.md", e.Message);
    }

    [Fact]
    public void FeatureCache_EveryDatasetKind_CachesEveryItem()
    {
        using var temp = new TempDirectory();
        SyntheticScenes.WriteCoco(temp.Path, "val", 3, seed: 1, Small);
        SyntheticScenes.WriteNyu(temp.Path, "test", 3, seed: 1, Small);
        SyntheticScenes.WriteDavis(temp.Path, "val", 1, seed: 1, new VideoOptions { Width = 96, Height = 64, Frames = 3, MinObjectSize = 12 });
        Directory.CreateDirectory(temp.File("folder", "pictures"));
        File.Copy(temp.File("coco", "val", "000000000001.jpg"), temp.File("folder", "pictures", "a.jpg"));
        foreach (var (kind, root, split, expected) in new[]
        {
            ("coco", temp.Path, "val", 3), ("nyu", temp.Path, "test", 3), ("davis", temp.Path, "val", 3), ("folder", temp.File("folder"), "pictures", 1),
        })
        {
            var source = DatasetKinds.Open(kind, root, split);
            string dir = temp.File("cache-" + kind);
            var report = FeatureCache.Build(new FakeBackbone(), source, new FeatureCacheOptions { Directory = dir, Layers = [-1], ImageSize = 32, DatasetKind = kind, Split = split });
            Assert.Equal(expected, report.Stored);
            using var cached = CachedFeatureSource.Open(dir);
            Assert.Equal(Enumerable.Range(0, source.Count).Select(source.ItemId).Order(), cached.Ids.Order());
        }
    }
}
