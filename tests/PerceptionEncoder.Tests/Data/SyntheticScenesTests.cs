using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Data;

public class SyntheticScenesTests
{
    private static readonly SceneOptions Small = new() { Width = 160, Height = 120, MinObjectSize = 12, CrowdProbability = 0.5 };

    [Fact]
    public void Render_SameSeed_SameScene_OtherSeed_OtherScene()
    {
        var a = SyntheticScenes.Render(11, Small);
        var b = SyntheticScenes.Render(11, Small);
        var c = SyntheticScenes.Render(12, Small);
        Assert.Equal(a.Image.Pixels, b.Image.Pixels);
        Assert.Equal(a.Depth.Metres, b.Depth.Metres);
        Assert.Equal(a.Objects.Select(o => o.Mask), b.Objects.Select(o => o.Mask));
        Assert.NotEqual(a.Image.Pixels, c.Image.Pixels);
    }

    [Fact]
    public void Render_ObjectsStandOnTheGroundAtTheDepthOfTheirFoot_AndGroundDepthGrowsTowardTheHorizon()
    {
        int withSky = 0;
        for (int seed = 0; seed < 12; seed++)
        {
            var scene = SyntheticScenes.Render(seed, Small);
            var d = scene.Depth;
            Assert.All(d.Metres.Where((_, i) => d.Valid[i]), z => Assert.InRange(z, 0.5f, 10f));
            if (d.ValidCount < d.Metres.Length) withSky++;
            var owned = new bool[d.Metres.Length];
            foreach (var o in scene.Objects)
            {
                byte[] mask = o.Mask.Decode();
                for (int i = 0; i < mask.Length; i++) owned[i] |= mask[i] != 0;
            }
            foreach (var o in scene.Objects)
            {
                byte[] mask = o.Mask.Decode();
                for (int i = 0; i < mask.Length; i++)
                    // Crowd blobs stand at their own foot; whole objects at one depth.
                    if (mask[i] != 0 && !o.IsCrowd) Assert.Equal((float)o.Depth, d.Metres[i], 4);
                if (!o.IsCrowd)
                {
                    // The pixel below the object's foot is ground at (about) the object's depth.
                    int footRow = (int)(o.Box.Y + o.Box.Height), column = (int)(o.Box.X + o.Box.Width / 2);
                    if (footRow < Small.Height && !owned[footRow * Small.Width + column])
                        Assert.InRange(d[footRow, column], o.Depth * 0.85, o.Depth * 1.01);
                    Assert.True(o.Box.Height >= Small.MinObjectSize - 1, $"object of height {o.Box.Height}");
                }
            }
            // Background depth never decreases going up a column (ground recedes, then the wall is flat).
            for (int x = 0; x < Small.Width; x += 7)
                for (int y = Small.Height - 1; y > 0; y--)
                {
                    int below = y * Small.Width + x, above = below - Small.Width;
                    if (owned[below] || owned[above] || !d.Valid[above]) continue;
                    Assert.True(d.Metres[above] >= d.Metres[below] - 1e-4, $"seed {seed}: depth falls going up at ({y}, {x})");
                }
        }
        Assert.True(withSky > 0, "no scene shows sky (invalid depth)");
    }

    [Fact]
    public void WriteCoco_ReadBack_SameObjectsAsRendered_MasksMatchAreasAndBoxes()
    {
        using var temp = new TempDirectory();
        var split = SyntheticScenes.WriteCoco(temp.Path, "train", 12, seed: 5, Small);
        var source = CocoSampleSource.Open(temp.Path, "train");
        Assert.Equal(12, source.Count);
        Assert.Equal(SyntheticScenes.Categories.Select(c => (c.Id, c.Name)), source.Categories.Categories.Select(c => (c.Id, c.Name)));
        int crowd = 0;
        for (int n = 0; n < source.Count; n++)
        {
            var rendered = SyntheticScenes.RenderItem(5, n, Small);
            var sample = source.Load(n, SampleParts.All);
            Assert.Equal((Small.Width, Small.Height), (sample.Image!.Width, sample.Image.Height));
            Assert.Equal(rendered.Objects.Count, sample.Instances!.Count);
            foreach (var (o, i) in rendered.Objects.Zip(sample.Instances))
            {
                Assert.Equal(o.Category.Id, i.CategoryId);
                Assert.Equal(o.IsCrowd, i.IsCrowd);
                Assert.Equal(o.Mask.Decode(), i.Mask!.Pixels);
                Assert.Equal(i.Mask.Area, i.Area);
                Assert.Equal(i.Mask.Bounds(), i.Box);
                if (i.IsCrowd) crowd++;
            }
        }
        Assert.True(crowd > 0, "no crowd region in 12 images with probability 0.5");
        Assert.True(File.Exists(split.AnnotationFile));
    }

    [Fact]
    public void WriteCoco_SecondCall_WithTheSameRecipe_DoesNothing()
    {
        using var temp = new TempDirectory();
        var first = SyntheticScenes.WriteCoco(temp.Path, "val", 3, seed: 1, Small);
        var stamp = File.GetLastWriteTimeUtc(first.AnnotationFile);
        Thread.Sleep(20);
        SyntheticScenes.WriteCoco(temp.Path, "val", 3, seed: 1, Small);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(first.AnnotationFile));
        SyntheticScenes.WriteCoco(temp.Path, "val", 3, seed: 2, Small);
        Assert.NotEqual(stamp, File.GetLastWriteTimeUtc(first.AnnotationFile));
    }

    [Fact]
    public void WriteNyu_ReadBack_DepthInMillimetresAndValidity()
    {
        using var temp = new TempDirectory();
        var split = SyntheticScenes.WriteNyu(temp.Path, "test", 6, seed: 9, Small);
        Assert.EndsWith(Path.Combine("nyu_depth_v2", "official_splits", "test"), split.DataFolder);
        var source = NyuSampleSource.Open(temp.Path, "test");
        Assert.Equal(6, source.Count);
        Assert.Equal("scene_000/rgb_00003", source.ItemId(3));
        Assert.Equal(0.85 * Small.Width, source.EntryAt(0).Focal, 3);
        for (int n = 0; n < source.Count; n++)
        {
            var rendered = SyntheticScenes.RenderItem(9, n, Small).Depth;
            var read = source.Load(n, SampleParts.Image | SampleParts.Depth).Depth!;
            Assert.Equal(rendered.Valid, read.Valid);
            for (int i = 0; i < read.Metres.Length; i++)
                Assert.Equal(rendered.Metres[i], read.Metres[i], 0.0006);
        }
    }

    [Fact]
    public void WriteDavis_ReadBack_PaletteMasksWithEveryObjectInTheFirstFrame()
    {
        using var temp = new TempDirectory();
        var options = new VideoOptions { Width = 160, Height = 96, Frames = 8, MinObjectSize = 16 };
        var set = SyntheticScenes.WriteDavis(temp.Path, "val", 3, seed: 4, options);
        var davis = new DavisDataset(set.DavisRoot);
        Assert.Equal(set.Sequences, davis.ReadSequenceNames("val"));
        foreach (string name in set.Sequences)
        {
            var sequence = davis.GetSequence(name);
            Assert.Equal(8, sequence.FrameIds.Count);
            Assert.Equal(sequence.FrameIds, sequence.AnnotationIds);
            int objects = davis.ObjectCount(name);
            Assert.InRange(objects, 2, 3);
            var first = davis.ReadAnnotation(name, "00000");
            Assert.Equal(Enumerable.Range(0, objects + 1).Select(i => (byte)i), first.Pixels.Distinct().Order());
            Assert.Equal(Palettes.Davis[..12], first.Palette![..12]);
            var frame = ImageFile.ReadRgb(sequence.ImagePaths[7]);
            Assert.Equal((160, 96), (frame.Width, frame.Height));
        }
        var source = DavisSampleSource.Open(temp.Path, "val");
        Assert.Equal(24, source.Count);
    }

    [Fact]
    public void RenderVideo_ObjectsMoveAndTheirVisibleMasksChange()
    {
        var frames = SyntheticScenes.RenderVideo(3, new VideoOptions { Width = 160, Height = 96, Frames = 10 });
        Assert.Equal(10, frames.Count);
        Assert.NotEqual(frames[0].Labels.Pixels, frames[9].Labels.Pixels);
        Assert.NotEqual(frames[0].Frame.Pixels, frames[9].Frame.Pixels);
    }
}
