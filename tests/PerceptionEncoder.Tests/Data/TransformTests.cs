using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Transforms;

namespace PerceptionEncoder.Tests.Data;

public class TransformTests
{
    private static IEnumerable<SampleTransform> Pipelines() =>
    [
        new SquashResize(96, 80),
        new SquashResize(320, 250),
        new ShortSideResize(100, 200, 16),
        new ShortSideResize([64, 96, 128], 160, 14),
        new LargeScaleJitter(128, 0.1, 2.0),
        new RandomCrop(90, 70),
        new HorizontalFlip(1.0),
        SampleTransform.Compose(new LargeScaleJitter(112), new HorizontalFlip(0.5), new ColorJitter()),
        SampleTransform.Compose(new RandomCrop(120, 100), new SquashResize(64), new HorizontalFlip(0.5)),
        SampleTransform.Compose(new HorizontalFlip(1.0), new ShortSideResize(77), new RandomCrop(50, 60)),
    ];

    [Fact]
    public void HorizontalFlip_Twice_IsIdentity()
    {
        var sample = TestSamples.Scene(3);
        var flip = new HorizontalFlip(1.0);
        var twice = flip.Apply(flip.Apply(sample, new Random(1)), new Random(2));

        Assert.Equal(sample.Image!.Pixels, twice.Image!.Pixels);
        Assert.Equal(sample.Depth!.Metres, twice.Depth!.Metres);
        Assert.Equal(sample.Depth.Valid, twice.Depth.Valid);
        Assert.Equal(sample.Instances!.Count, twice.Instances!.Count);
        for (int k = 0; k < sample.Instances.Count; k++)
        {
            Assert.Equal(sample.Instances[k].Box, twice.Instances[k].Box);
            Assert.Equal(sample.Instances[k].Mask!.Pixels, twice.Instances[k].Mask!.Pixels);
        }
        Assert.Equal(ImageGeometry.Identity(sample.Width, sample.Height), twice.Geometry);
    }

    [Fact]
    public void HorizontalFlip_Once_MirrorsPixelsAndBoxes()
    {
        var sample = TestSamples.Marker(20, 10);
        var flipped = new HorizontalFlip(1.0).Apply(sample, new Random(0));
        Assert.Equal(sample.Image![3, 0], flipped.Image![3, 19]);
        Assert.Equal(sample.Depth![3, 5], flipped.Depth![3, 14]);
        var box = sample.Instances![0].Box;
        Assert.Equal(new BoxF(20 - box.X1, box.Y0, 20 - box.X0, box.Y1), flipped.Instances![0].Box);
        Assert.True(flipped.Geometry.IsFlipped);
    }

    [Fact]
    public void Transforms_AnyPipeline_BoxKeepsEnclosingItsMask()
    {
        int checkedInstances = 0;
        foreach (var transform in Pipelines())
            for (int seed = 0; seed < 6; seed++)
            {
                var result = transform.Apply(TestSamples.Scene(seed), new Random(seed));
                foreach (var instance in result.Instances!)
                {
                    var mask = instance.Mask!;
                    Assert.Equal((result.Width, result.Height), (mask.Width, mask.Height));
                    for (int y = 0; y < mask.Height; y++)
                        for (int x = 0; x < mask.Width; x++)
                            if (mask[y, x])
                                Assert.True(instance.Box.ContainsPixelCentre(y, x),
                                    $"{transform}: mask pixel ({y}, {x}) outside box {instance.Box} (seed {seed})");
                    checkedInstances++;
                }
            }
        Assert.True(checkedInstances > 100, $"only {checkedInstances} instances checked");
    }

    [Fact]
    public void Transforms_AnyPipeline_DepthAndValidityMoveWithTheirPixel()
    {
        var original = TestSamples.Marker(150, 110);
        foreach (var transform in Pipelines())
            for (int seed = 0; seed < 4; seed++)
            {
                var result = transform.Apply(original, new Random(seed));
                var g = result.Geometry;
                var depth = result.Depth!;
                for (int y = 0; y < result.Height; y++)
                    for (int x = 0; x < result.Width; x++)
                    {
                        // The source pixel is the one under this pixel's centre, mapped back.
                        // (At an exact tie between two source pixels, either is right.)
                        double fx = (x + 0.5 - g.OffsetX) / g.ScaleX, fy = (y + 0.5 - g.OffsetY) / g.ScaleY;
                        bool found = false;
                        foreach (double ex in new[] { -1e-9, 1e-9 })
                            foreach (double ey in new[] { -1e-9, 1e-9 })
                            {
                                int sx = Math.Clamp((int)Math.Floor(fx + ex), 0, original.Width - 1);
                                int sy = Math.Clamp((int)Math.Floor(fy + ey), 0, original.Height - 1);
                                int i = sy * original.Width + sx;
                                found |= original.Depth!.Metres[i] == depth[y, x] && original.Depth.Valid[i] == depth.Valid[y * result.Width + x];
                            }
                        Assert.True(found, $"{transform} seed {seed}: pixel ({y}, {x}) has depth {depth[y, x]}, not that of its source ({fy:F3}, {fx:F3})");
                    }
            }
    }

    [Fact]
    public void Transforms_InvalidDepth_StaysZeroAndInvalid()
    {
        var result = new SquashResize(77, 45).Apply(TestSamples.Marker(150, 110), new Random(0));
        var d = result.Depth!;
        Assert.Contains(false, d.Valid);
        for (int i = 0; i < d.Metres.Length; i++)
            if (!d.Valid[i]) Assert.Equal(0f, d.Metres[i]);
            else Assert.True(d.Metres[i] >= 1f);
    }

    [Fact]
    public void SquashResize_ScalesBoxesAndRecordsGeometry()
    {
        var sample = TestSamples.Marker(200, 100);
        var result = new SquashResize(100, 50).Apply(sample, new Random(0));
        var box = sample.Instances![0].Box;
        Assert.Equal(new BoxF(box.X0 / 2, box.Y0 / 2, box.X1 / 2, box.Y1 / 2), result.Instances![0].Box);
        Assert.Equal(box, result.Geometry.ToOriginal(result.Instances[0].Box));
        Assert.Equal((100, 50, 100, 50), (result.Width, result.Height, result.CanvasWidth, result.CanvasHeight));
    }

    [Fact]
    public void ShortSideResize_ShortSideAndPaddingToPatchMultiple()
    {
        var result = new ShortSideResize(100, 1000, 16).Apply(TestSamples.Marker(150, 110), new Random(0));
        Assert.Equal(100, result.Height);
        Assert.Equal(136, result.Width); // 150 * 100/110 = 136.4
        Assert.Equal((144, 112), (result.CanvasWidth, result.CanvasHeight));

        var capped = new ShortSideResize(100, 120, 1).Apply(TestSamples.Marker(150, 110), new Random(0));
        Assert.Equal((120, 88), (capped.Width, capped.Height));
    }

    [Fact]
    public void LargeScaleJitter_OutputsFixedCanvasWithContentInside()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var result = new LargeScaleJitter(64, 0.1, 2.0).Apply(TestSamples.Scene(seed), new Random(seed));
            Assert.Equal((64, 64), (result.CanvasWidth, result.CanvasHeight));
            Assert.InRange(result.Width, 1, 64);
            Assert.InRange(result.Height, 1, 64);
            foreach (var i in result.Instances!)
                Assert.True(i.Box.X0 >= 0 && i.Box.Y0 >= 0 && i.Box.X1 <= result.Width && i.Box.Y1 <= result.Height);
        }
    }

    [Fact]
    public void Geometry_FlipResizeCrop_MapsBoxesBackToTheOriginal()
    {
        var sample = TestSamples.Marker(160, 120);
        var t = SampleTransform.Compose(new HorizontalFlip(1.0), new SquashResize(320, 240), new RandomCrop(300, 230));
        var result = t.Apply(sample, new Random(5));
        var back = result.Geometry.ToOriginal(result.Instances![0].Box);
        var box = sample.Instances![0].Box;
        Assert.Equal(box.X0, back.X0, 3);
        Assert.Equal(box.Y0, back.Y0, 3);
        Assert.Equal(box.X1, back.X1, 3);
        Assert.Equal(box.Y1, back.Y1, 3);
    }

    [Fact]
    public void ColorJitter_ChangesPixelsOnly_AndZeroStrengthIsIdentity()
    {
        var sample = TestSamples.Scene(4);
        var jittered = new ColorJitter(0.4, 0.4, 0.4, 0.1).Apply(sample, new Random(3));
        Assert.NotEqual(sample.Image!.Pixels, jittered.Image!.Pixels);
        Assert.Same(sample.Depth, jittered.Depth);
        Assert.Same(sample.Instances, jittered.Instances);
        var none = new ColorJitter(0, 0, 0, 0).Apply(sample, new Random(3));
        Assert.Equal(sample.Image.Pixels, none.Image!.Pixels);
    }

    [Fact]
    public void SquashResize_HalvingUsesTheWidenedTriangleFilter_AndKeepsConstantsConstant()
    {
        // Row 0, 100, 200, 40 halved. Output 0 has centre 1.0 in source pixels; the triangle filter widened to
        // support 2 weighs sources 0, 1, 2 by 0.75, 0.75, 0.25 (/1.75): 71.4. Output 1 (centre 3.0) weighs
        // sources 1, 2, 3 by 0.25, 0.75, 0.75: 117.1. (PIL's BILINEAR resize gives the same.)
        byte[] row = [0, 0, 0, 100, 100, 100, 200, 200, 200, 40, 40, 40];
        var small = new SquashResize(2, 1).Apply(Sample.Create("row", 4, 1) with { Image = new Imaging.RgbImage(4, 1, row) }, new Random(0));
        Assert.Equal(new byte[] { 71, 71, 71, 117, 117, 117 }, small.Image!.Pixels);

        var grey = new Imaging.RgbImage(13, 7, Enumerable.Repeat((byte)77, 13 * 7 * 3).ToArray());
        var resized = new SquashResize(31, 5).Apply(Sample.Create("grey", 13, 7) with { Image = grey }, new Random(0));
        Assert.All(resized.Image!.Pixels, p => Assert.Equal(77, p));
    }
}
