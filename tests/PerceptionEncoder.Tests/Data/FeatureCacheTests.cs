using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Data;

public class FeatureCacheTests
{
    private static InMemorySource Source(int count = 10) =>
        new(i => TestSamples.Marker(30 + 3 * i, 24 + i), count);

    private static FeatureCacheOptions Options(string dir) => new()
    {
        Directory = dir,
        Layers = [0, -1],
        ImageSize = 32,
        BatchSize = 2,
        ShardItems = 4,
        Workers = 2,
        DatasetKind = "test",
        Split = "all",
    };

    [Fact]
    public void Build_ThenOpen_FeaturesAreTheOnlineOnesRoundedToTheCacheDType()
    {
        foreach (var dtype in new[] { CacheDType.BFloat16, CacheDType.Float16 })
        {
            using var temp = new TempDirectory();
            var backbone = new FakeBackbone(classToken: true);
            var report = FeatureCache.Build(backbone, Source(), Options(temp.Path) with { DType = dtype });
            Assert.Equal((10, 10, 0), (report.Stored, report.ComputedNow, report.AlreadyCached));
            // 2 layers of [6, 4, 4] and 2 class tokens of [6], 2 bytes each.
            Assert.Equal(2 * (6 * 4 * 4 + 6) * 2, report.BytesPerItem);

            using var cached = CachedFeatureSource.Open(temp.Path);
            var online = new OnlineFeatureSource(backbone, [0, 2], roundTo: dtype);
            Assert.Equal(online.Info.Layers, cached.Info.Layers);
            Assert.False(cached.NeedsImages);
            Assert.Equal("squash 32x32 bilinear", cached.FixedTransform!.Describe());

            var loader = new DataLoader(Source(), cached.FixedTransform, new DataLoaderOptions { BatchSize = 3, Shuffle = true, Seed = 3 });
            foreach (var batch in loader.Epoch(0))
                using (batch)
                using (var fromCache = cached.GetFeatures(batch))
                using (var computed = online.GetFeatures(batch))
                    foreach (int layer in cached.Info.Layers)
                    {
                        Assert.Equal(new long[] { batch.Count, 6, 4, 4 }, fromCache[layer].shape);
                        Assert.Equal(ScalarType.Float32, fromCache[layer].dtype);
                        Assert.True(fromCache[layer].equal(computed[layer]).all().item<bool>(), $"{dtype} layer {layer} differs");
                        Assert.True(fromCache.ClassToken(layer)!.equal(computed.ClassToken(layer)!).all().item<bool>());
                    }
        }
    }

    [Fact]
    public void Build_InterruptedAtAnyBatch_ResumesToAByteIdenticalCache()
    {
        using var reference = new TempDirectory();
        FeatureCache.Build(new FakeBackbone(), Source(), Options(reference.Path));

        // Stop after 1, 2 (end of a shard) and 4 committed batches; spoil what a kill could leave behind.
        foreach (int stopAfter in new[] { 1, 2, 4 })
        {
            using var temp = new TempDirectory();
            using var cts = new CancellationTokenSource();
            int batches = 0;
            var progress = new SyncProgress(_ => { if (++batches == stopAfter + 1) cts.Cancel(); }); // the first report is the resume point
            Assert.ThrowsAny<OperationCanceledException>(() =>
                FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path), progress, cts.Token));
            foreach (string partial in Directory.GetFiles(temp.Path, "*.partial"))
                File.AppendAllText(partial, "half a record");
            foreach (string journal in Directory.GetFiles(temp.Path, "*.journal"))
                File.AppendAllText(journal, "{\"start\":");

            var backbone = new FakeBackbone();
            var report = FeatureCache.Build(backbone, Source(), Options(temp.Path));
            Assert.Equal(10, report.Stored);
            Assert.Equal(2 * stopAfter, report.AlreadyCached);
            Assert.Equal(10 - 2 * stopAfter, backbone.ImagesSeen);
            AssertSameFiles(reference.Path, temp.Path);
        }
    }

    [Fact]
    public void Build_CompleteCache_SecondRunComputesNothing()
    {
        using var temp = new TempDirectory();
        FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path));
        var backbone = new FakeBackbone();
        var report = FeatureCache.Build(backbone, Source(), Options(temp.Path));
        Assert.Equal((0, 10, 0), (report.ComputedNow, report.AlreadyCached, backbone.ImagesSeen));
    }

    [Fact]
    public void Build_IntoACacheOfAnotherBackboneLayersOrSize_IsRefusedSayingWhatDiffers()
    {
        using var temp = new TempDirectory();
        FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path));
        var layers = Assert.Throws<InvalidDataException>(() => FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path) with { Layers = [1] }));
        Assert.Contains("layers [0, 2] (this run: [1])", layers.Message);
        Assert.Contains(temp.Path, layers.Message);
        var size = Assert.Throws<InvalidDataException>(() => FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path) with { ImageSize = 48 }));
        Assert.Contains("image size 32 px (this run: 48 px)", size.Message);
        var backbone = Assert.Throws<InvalidDataException>(() => FeatureCache.Build(new FakeBackbone(patch: 16), Source(), Options(temp.Path)));
        Assert.Contains("backbone fake-P8 (this run: fake-P16)", backbone.Message);
    }

    [Fact]
    public void Build_UnreadableImage_FailsNamingIt_KeepsWhatWasCached_ThenSkipBadFinishes()
    {
        using var temp = new TempDirectory();
        var source = Source();
        source.Bad.Add(5);
        var e = Assert.Throws<InvalidDataException>(() => FeatureCache.Build(new FakeBackbone(), source, Options(temp.Path)));
        Assert.Contains("/nowhere/item-0005.jpg", e.Message);
        byte[] firstShard = File.ReadAllBytes(Path.Combine(temp.Path, "shard-00000.bin"));

        var report = FeatureCache.Build(new FakeBackbone(), source, Options(temp.Path) with { SkipBad = true });
        Assert.Equal(9, report.Stored);
        Assert.Equal(4, report.AlreadyCached); // shard 0 survived the failure (and the batch of item 4 was lost with item 5)
        var skipped = Assert.Single(report.Skipped);
        Assert.Equal(("item-0005", "/nowhere/item-0005.jpg"), (skipped.Id, skipped.File));
        Assert.Equal(firstShard, File.ReadAllBytes(Path.Combine(temp.Path, "shard-00000.bin")));

        using var cached = CachedFeatureSource.Open(temp.Path);
        Assert.False(cached.Contains("item-0005"));
        Assert.Equal(9, cached.Ids.Count);
        Assert.Single(cached.Manifest.Skipped);
    }

    [Fact]
    public void Open_UnfinishedCacheOrMissingLayer_IsRefused()
    {
        using var temp = new TempDirectory();
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path), new SyncProgress(d => { if (d > 0) cts.Cancel(); }), cts.Token));
        var unfinished = Assert.Throws<InvalidDataException>(() => CachedFeatureSource.Open(temp.Path));
        Assert.Contains("unfinished", unfinished.Message);

        FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path));
        using (var last = CachedFeatureSource.Open(temp.Path, [-1]))
            Assert.Equal([2], last.Info.Layers);
        var missing = Assert.Throws<InvalidDataException>(() => CachedFeatureSource.Open(temp.Path, [1]));
        Assert.Contains("not layer 1", missing.Message);
    }

    [Fact]
    public void GetFeatures_BatchOfAnotherSize_IsRefused()
    {
        using var temp = new TempDirectory();
        FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path));
        using var cached = CachedFeatureSource.Open(temp.Path);
        using var batch = BatchCollator.Collate([Source().Load(0, SampleParts.Depth)]);
        var e = Assert.Throws<InvalidOperationException>(() => cached.GetFeatures(batch));
        Assert.Contains("FixedTransform", e.Message);
    }

    [Fact]
    public void EnsureBackbone_OtherWeights_IsRefused()
    {
        using var temp = new TempDirectory();
        FeatureCache.Build(new FakeBackbone(), Source(), Options(temp.Path));
        using var cached = CachedFeatureSource.Open(temp.Path);
        cached.EnsureBackbone("fake-P8", "random:1");
        var e = Assert.Throws<InvalidDataException>(() => cached.EnsureBackbone("fake-P8", "sha256:abc"));
        Assert.Contains("random:1", e.Message);
    }

    internal static void AssertSameFiles(string expectedDir, string actualDir)
    {
        var expected = Directory.GetFiles(expectedDir).Select(f => Path.GetFileName(f)).Order().ToList();
        var actual = Directory.GetFiles(actualDir).Select(f => Path.GetFileName(f)).Order().ToList();
        Assert.Equal(expected, actual);
        foreach (string name in expected)
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDir, name)).SequenceEqual(File.ReadAllBytes(Path.Combine(actualDir, name))),
                $"{name} differs");
    }

    /// <summary>A progress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
