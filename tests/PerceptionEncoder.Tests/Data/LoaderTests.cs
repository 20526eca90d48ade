using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;

namespace PerceptionEncoder.Tests.Data;

public class LoaderTests
{
    private static readonly SampleTransform Augment =
        SampleTransform.Compose(new LargeScaleJitter(64, 0.3, 1.5), new HorizontalFlip(), new ColorJitter());

    private static InMemorySource Scenes(int count) => new(i => TestSamples.Scene(100 + i, 80, 60), count);

    [Fact]
    public void Epoch_SameSeed_SameBatchesWhateverTheWorkerCount()
    {
        var options = new DataLoaderOptions { BatchSize = 3, Shuffle = true, Seed = 7, SizeDivisibility = 16 };
        var one = Collect(new DataLoader(Scenes(10), Augment, options with { Workers = 1, Prefetch = 0 }), epoch: 2);
        var three = Collect(new DataLoader(Scenes(10), Augment, options with { Workers = 3, Prefetch = 3 }), epoch: 2);
        Assert.Equal(one.Count, three.Count);
        for (int b = 0; b < one.Count; b++)
        {
            Assert.Equal(one[b].Ids, three[b].Ids);
            Assert.True(one[b].Images.SequenceEqual(three[b].Images), $"batch {b}: images differ");
            Assert.True(one[b].Boxes.SequenceEqual(three[b].Boxes), $"batch {b}: boxes differ");
            Assert.True(one[b].Depth.SequenceEqual(three[b].Depth), $"batch {b}: depth differs");
        }
        var otherEpoch = Collect(new DataLoader(Scenes(10), Augment, options), epoch: 3);
        Assert.NotEqual(one.SelectMany(b => b.Ids), otherEpoch.SelectMany(b => b.Ids));
        Assert.Equal(one.SelectMany(b => b.Ids).Order(), otherEpoch.SelectMany(b => b.Ids).Order());
    }

    [Fact]
    public void Collate_NormalisesAsTheBackboneWants_AndPadsWithZeroAndInvalidDepth()
    {
        var a = TestSamples.Marker(20, 12);
        var b = TestSamples.Marker(9, 17);
        using var batch = BatchCollator.Collate([a, b], sizeDivisibility: 8);
        Assert.Equal((24, 24), (batch.Height, batch.Width));
        Assert.Equal(new long[] { 2, 3, 24, 24 }, batch.Images!.shape);
        float[] images = batch.Images.data<float>().ToArray();
        // Sample a, pixel (y=5, x=7): channel c at [0, c, 5, 7].
        var (r, g, bl) = a.Image![5, 7];
        Assert.Equal(r / 255f * 2f - 1f, images[(0 * 3 + 0) * 576 + 5 * 24 + 7]);
        Assert.Equal(g / 255f * 2f - 1f, images[(0 * 3 + 1) * 576 + 5 * 24 + 7]);
        Assert.Equal(bl / 255f * 2f - 1f, images[(0 * 3 + 2) * 576 + 5 * 24 + 7]);
        Assert.Equal(0f, images[(0 * 3 + 0) * 576 + 15 * 24 + 21]); // padding
        Assert.Equal(0f, images[(1 * 3 + 1) * 576 + 3 * 24 + 9]);

        bool[] valid = batch.Depth!.Valid.data<bool>().ToArray();
        float[] depth = batch.Depth.Depth.data<float>().ToArray();
        Assert.Equal(a.Depth![5, 7], depth[5 * 24 + 7]);
        Assert.False(valid[576 + 3 * 24 + 9]); // right of sample b's content
        Assert.False(valid[20 * 24 + 3]); // below sample a's content
        Assert.Equal(new long[] { 1, 4 }, batch.Detection!.Boxes[0].shape);
        Assert.Equal(new long[] { 1, 24, 24 }, batch.Detection.Masks![1].shape);
        Assert.Equal(3L, batch.Detection.CategoryIds[0].item<long>());
    }

    [Fact]
    public void SquashResizeThenCollate_GivesExactlyTheBackbonePreprocessing()
    {
        foreach (var (w, h, size) in new[] { (160, 120, 64), (37, 91, 48), (50, 50, 96) })
        {
            var sample = TestSamples.Scene(8, w, h);
            using var batch = BatchCollator.Collate([new SquashResize(size).Apply(sample, new Random(0))]);
            using var reference = PerceptionEncoder.Backbone.PeImageTransform.ToBatch([sample.Image!], size, patchSize: 16);
            Assert.True(batch.Images!.equal(reference).all().item<bool>(), $"{w}x{h} -> {size}: pixels differ from PeImageTransform");
        }
    }

    [Fact]
    public void Epoch_SkipBad_LeavesOutAndCountsUnreadableItems()
    {
        var source = Scenes(7);
        source.Bad.UnionWith([2, 5]);
        var loader = new DataLoader(source, null, new DataLoaderOptions { BatchSize = 3, SkipBad = true, Workers = 2 });
        var ids = new List<string>();
        foreach (var batch in loader.Epoch(0))
            using (batch) ids.AddRange(batch.Ids);
        Assert.Equal(["item-0000", "item-0001", "item-0003", "item-0004", "item-0006"], ids);
        Assert.Equal([2, 5], loader.Skipped.Select(s => s.Index));
        Assert.Contains("/nowhere/item-0002.jpg", loader.Skipped[0].Reason);
    }

    [Fact]
    public void Epoch_WithoutSkipBad_FailsNamingTheFile()
    {
        var source = Scenes(7);
        source.Bad.Add(4);
        var loader = new DataLoader(source, null, new DataLoaderOptions { BatchSize = 3 });
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var batch in loader.Epoch(0)) batch.Dispose();
        });
        Assert.Contains("/nowhere/item-0004.jpg", e.Message);
    }

    [Fact]
    public void Epoch_Prefetch_IsBounded()
    {
        var source = new InMemorySource(_ => TestSamples.Marker(8, 8), 40);
        var loader = new DataLoader(source, null, new DataLoaderOptions { BatchSize = 2, Prefetch = 1, Workers = 4 });
        int consumed = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            {
                Thread.Sleep(20); // a slow consumer: workers must not run far ahead
                // Being consumed: batch `consumed`; ahead of it at most `Prefetch` + 1 batches were started.
                Assert.True(source.MaxIndexLoaded < (consumed + 3) * 2, $"item {source.MaxIndexLoaded} loaded while consuming batch {consumed}");
                consumed++;
            }
        }
        Assert.Equal(20, consumed);
        Assert.True(source.MaxConcurrent <= 4);
    }

    [Fact]
    public void Epoch_TargetsOnly_HasNoImagesButTargetsAtTheTransformedSize()
    {
        var loader = new DataLoader(Scenes(4), new SquashResize(48), new DataLoaderOptions { BatchSize = 4, Parts = SampleParts.Detection | SampleParts.Depth });
        using var batch = loader.Epoch(0).Single();
        Assert.Null(batch.Images);
        Assert.Equal(new long[] { 4, 1, 48, 48 }, batch.Depth!.Depth.shape);
        Assert.Equal(4, batch.Detection!.Boxes.Count);
    }

    private sealed record Snapshot(List<string> Ids, float[] Images, float[] Boxes, float[] Depth);

    private static List<Snapshot> Collect(DataLoader loader, int epoch)
    {
        var list = new List<Snapshot>();
        foreach (var batch in loader.Epoch(epoch))
            using (batch)
                list.Add(new Snapshot([.. batch.Ids], batch.Images!.data<float>().ToArray(),
                    batch.Detection!.Boxes.SelectMany(b => b.data<float>().ToArray()).ToArray(), batch.Depth!.Depth.data<float>().ToArray()));
        return list;
    }
}
