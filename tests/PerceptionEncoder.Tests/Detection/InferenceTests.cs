using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Heads.Detection;
using PerceptionEncoder.Heads.Detection.Evaluation;
using PerceptionEncoder.Heads.Detection.Inference;
using PerceptionEncoder.Heads.Detection.Visualization;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Tests.Detection;

public sealed class InferenceTests
{
    [Fact]
    public void ToCoco_SquashedAndFlippedImage_MapsBoxesBackToTheOriginalWithRealIds()
    {
        // Original 96x64 squashed to 64x64 (x scaled by 2/3), then flipped: x' = 64 - 2/3 x.
        var geometry = ImageGeometry.Identity(96, 64).Then(64.0 / 96, 0, 1, 0).Then(-1, 64, 1, 0);
        var categories = new CategoryMap([(1, "disc", null), (5, "star", null), (9, "diamond", null)]);
        DetectedObject[] detections =
        [
            new(new BoxXyxy(16, 8, 48, 40), 0.9f, 1),      // original x in [24, 72], y in [8, 40], label 1 = id 5
            new(new BoxXyxy(60, 0, 70, 10), 0.5f, 2),      // x' beyond 64: x in [-9, 6] -> clipped to [0, 6]
            new(new BoxXyxy(66, 0, 70, 10), 0.4f, 0),      // entirely outside the original: dropped
        ];
        var results = DetectionValidation.ToCoco(detections, geometry, imageId: 42, categories).ToList();

        Assert.Equal(2, results.Count);
        Assert.Equal(42, results[0].ImageId);
        Assert.Equal(5, results[0].CategoryId);
        Assert.Equal(0.9, results[0].Score, 6);
        Assert.Equal([24, 8, 48, 32], results[0].Bbox!.Value.ToArray().Select(v => Math.Round(v, 4)));
        Assert.Equal(9, results[1].CategoryId);
        Assert.Equal([0, 0, 6, 10], results[1].Bbox!.Value.ToArray().Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void DetectionCategories_RealIds_MapBothWays()
    {
        var categories = new DetectionCategories([new(1, "person"), new(17, "cat"), new(90, "toothbrush")]);
        Assert.Equal(3, categories.Count);
        Assert.Equal("cat", categories[1].Name);
        Assert.Equal(2, categories.IndexOf(90));
        Assert.Equal(-1, categories.IndexOf(2));
        Assert.Throws<ArgumentException>(() => new DetectionCategories([new(3, "a"), new(3, "b")]));
    }

    [Fact]
    public void Draw_OneDetection_OutlinesTheBoxInItsClassColourAndLeavesTheInputUntouched()
    {
        var image = new RgbImage(200, 150, new byte[200 * 150 * 3]);
        var detection = new LabeledDetection(new BoxXyxy(50, 60, 150, 140), 0.87f, CategoryId: 17, CategoryName: "cat");
        var drawn = DetectionDrawing.Draw(image, [detection]);

        Assert.Equal((200, 150), (drawn.Width, drawn.Height));
        Assert.All(image.Pixels, p => Assert.Equal(0, p));
        var colour = DetectionDrawing.ColourOf(17);
        Assert.Equal(colour, drawn[100, 50]);                                  // left edge, half-way down
        Assert.Equal(colour, drawn[140, 100]);                                 // bottom edge
        Assert.Equal(((byte)0, (byte)0, (byte)0), drawn[100, 100]);            // inside stays black
        // The label sits above the box in a filled box of the class colour.
        int labelPixels = 0;
        for (int x = 50; x < 100; x++)
            for (int y = 45; y < 59; y++)
                if (drawn[y, x] == colour) labelPixels++;
        Assert.True(labelPixels > 200, $"only {labelPixels} label-background pixels above the box");
        Assert.NotEqual(DetectionDrawing.ColourOf(1), DetectionDrawing.ColourOf(2));
    }
}
