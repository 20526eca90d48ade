using PerceptionEncoder.Heads.Detection;
using PerceptionEncoder.Heads.Detection.Fcos;
using PerceptionEncoder.Heads.Detection.Pyramid;

namespace PerceptionEncoder.Tests.Detection;

public sealed class TargetAssignerTests
{
    [Fact]
    public void Locations_TwoLevels_SitAtCellCentresWithFcosRanges()
    {
        using var locations = new FcosLocations(
            [PyramidLevel.Of(3, 16, 8), PyramidLevel.Of(4, 16, 8)], [(2, 3), (1, 2)]);
        float[] points = locations.Points.data<float>().ToArray();
        // Level p3 (stride 8): rows y = 4, 12; columns x = 4, 12, 20. Level p4 (stride 16): y = 8; x = 8, 24.
        Assert.Equal([4, 4, 12, 4, 20, 4, 4, 12, 12, 12, 20, 12, 8, 8, 24, 8], points);
        Assert.Equal([8, 8, 8, 8, 8, 8, 16, 16], locations.Strides.data<float>().ToArray());
        float[] ranges = locations.SizeRanges.data<float>().ToArray();
        Assert.Equal([0f, 64f], ranges[..2]);                                       // finest level: [0, 8 s]
        Assert.Equal([64f, float.PositiveInfinity], ranges[^2..]);                   // coarsest: [4 s, inf)
        Assert.Equal([6, 2], locations.CountPerLevel);
    }

    [Fact]
    public void Assign_WithoutCentreSampling_TakesEveryLocationStrictlyInsideTheBox()
    {
        // One level of stride 8 on a 32x32 image: locations at 4, 12, 20, 28. Box (0, 0, 24, 24): the 3x3 locations
        // with coordinates 4, 12, 20 are inside.
        using var locations = SingleLevel(4, 4);
        var assignment = new FcosTargetAssigner(0).Assign(locations, [new GroundTruthBox(new BoxXyxy(0, 0, 24, 24), 2)]);
        Assert.Equal(Grid(4, 4, (x, y) => x < 24 && y < 24 ? 2 : -1), Classes(assignment));
        Assert.Equal(Grid(4, 4, (x, y) => x < 24 && y < 24 ? 0 : -1), Matched(assignment));
        float[] boxes = assignment.Boxes.data<float>().ToArray();
        Assert.Equal([0f, 0, 24, 24], boxes[..4]);
        Assert.Equal([0f, 0, 0, 0], boxes[^4..]);
    }

    [Fact]
    public void Assign_CentreSamplingRadiusOne_KeepsOnlyLocationsWithinOneStrideOfTheCentre()
    {
        // Box (0, 0, 24, 24), centre (12, 12), radius 1 stride = 8: region (4, 4)-(20, 20); only (12, 12) is strictly inside.
        using var locations = SingleLevel(4, 4);
        var assignment = new FcosTargetAssigner(1).Assign(locations, [new GroundTruthBox(new BoxXyxy(0, 0, 24, 24), 1)]);
        Assert.Equal(Grid(4, 4, (x, y) => x == 12 && y == 12 ? 1 : -1), Classes(assignment));
    }

    [Fact]
    public void Assign_CentreRegion_IsClippedToTheBox()
    {
        // A thin box (0, 8, 32, 16): centre (16, 12), radius 1.5 x 8 = 12 -> region x in (4, 28), y in (0, 24),
        // clipped to the box y in (8, 16): the row y = 12, columns x = 12, 20 (4 and 28 lie on the region's edge).
        using var locations = SingleLevel(4, 4);
        var assignment = new FcosTargetAssigner(1.5).Assign(locations, [new GroundTruthBox(new BoxXyxy(0, 8, 32, 16), 0)]);
        Assert.Equal(Grid(4, 4, (x, y) => y == 12 && x is 12 or 20 ? 0 : -1), Classes(assignment));
    }

    [Fact]
    public void Assign_ScaleRanges_PutEachLocationOnTheLevelMatchingItsReach()
    {
        // Strides 8 (reach [0, 64]) and 16 (reach [64, inf)) on a 128x128 image; box (0, 0, 100, 100), no centre sampling.
        // p3 locations (4 + 8i) are positive when max(x, 100-x, y, 100-y) <= 64: x, y in {36, 44, 52, 60} -> 16.
        // p4 locations (8 + 16i) inside the box (x, y < 100) are positive when that reach is >= 64: all 36 but the
        // four with x, y in {40, 56} -> 32.
        using var locations = new FcosLocations([PyramidLevel.Of(3, 16, 8), PyramidLevel.Of(4, 16, 8)], [(16, 16), (8, 8)]);
        var assignment = new FcosTargetAssigner(0).Assign(locations, [new GroundTruthBox(new BoxXyxy(0, 0, 100, 100), 0)]);
        long[] matched = Matched(assignment);
        float[] points = locations.Points.data<float>().ToArray();
        var positives = Enumerable.Range(0, matched.Length).Where(i => matched[i] == 0).ToArray();
        Assert.Equal(16, positives.Count(i => i < 256));
        Assert.Equal(32, positives.Count(i => i >= 256));
        foreach (int i in positives)
        {
            float x = points[2 * i], y = points[2 * i + 1];
            float reach = new[] { x, 100 - x, y, 100 - y }.Max();
            Assert.True(i < 256 ? reach <= 64 : reach >= 64, $"location ({x}, {y}) with reach {reach} on the wrong level");
        }
    }

    [Fact]
    public void Assign_LocationInsideTwoBoxes_TakesTheSmallerBox()
    {
        // Big (0, 0, 32, 32) class 0 and small (8, 8, 24, 24) class 1 (listed second): the four locations at
        // 12 and 20 lie in both and go to the small one; the other twelve to the big one.
        using var locations = SingleLevel(4, 4);
        var assignment = new FcosTargetAssigner(0).Assign(locations,
        [
            new GroundTruthBox(new BoxXyxy(0, 0, 32, 32), 0),
            new GroundTruthBox(new BoxXyxy(8, 8, 24, 24), 1),
        ]);
        Assert.Equal(Grid(4, 4, (x, y) => x is 12 or 20 && y is 12 or 20 ? 1 : 0), Classes(assignment));
        Assert.Equal(Grid(4, 4, (x, y) => x is 12 or 20 && y is 12 or 20 ? 1 : 0), Matched(assignment));
    }

    [Fact]
    public void Assign_EqualAreas_TakesTheFirstBox()
    {
        // Two boxes of area 256 overlap around (12, 12): the one listed first takes it; elsewhere each keeps its own.
        using var locations = SingleLevel(4, 4);
        var assignment = new FcosTargetAssigner(0).Assign(locations,
        [
            new GroundTruthBox(new BoxXyxy(0, 8, 16, 24), 5),
            new GroundTruthBox(new BoxXyxy(8, 0, 24, 16), 7),
        ]);
        long[] classes = Classes(assignment);
        Assert.Equal(5, classes[Index(12, 12)]);
        Assert.Equal(5, classes[Index(4, 12)]);
        Assert.Equal(7, classes[Index(12, 4)]);
        Assert.Equal(7, classes[Index(20, 4)]);
    }

    [Fact]
    public void Assign_CrowdBox_IsNeverPositiveAndIgnoresTheLocationsInside()
    {
        // Crowd (0, 0, 16, 32) and a normal box (16, 0, 32, 16) class 3.
        using var locations = SingleLevel(4, 4);
        var assignment = new FcosTargetAssigner(0).Assign(locations,
        [
            new GroundTruthBox(new BoxXyxy(0, 0, 16, 32), 0, IsCrowd: true),
            new GroundTruthBox(new BoxXyxy(16, 0, 32, 16), 3),
        ]);
        Assert.Equal(Grid(4, 4, (x, y) => x < 16 ? FcosTargetAssigner.Ignored : y < 16 ? 0 : FcosTargetAssigner.Background),
            Matched(assignment));
        Assert.Equal(Grid(4, 4, (x, y) => x >= 16 && y < 16 ? 3 : -1), Classes(assignment));
    }

    [Fact]
    public void Assign_NoObjects_IsAllBackground()
    {
        using var locations = SingleLevel(3, 2);
        var assignment = new FcosTargetAssigner(1.5).Assign(locations, []);
        Assert.All(Matched(assignment), m => Assert.Equal(FcosTargetAssigner.Background, m));
    }

    private static FcosLocations SingleLevel(int height, int width) =>
        new([PyramidLevel.Of(3, 16, 8)], [(height, width)]);

    private static int Index(float x, float y) => (int)((y - 4) / 8) * 4 + (int)((x - 4) / 8);

    private static long[] Grid(int height, int width, Func<float, float, long> value)
    {
        var result = new long[height * width];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
                result[i * width + j] = value(4 + 8 * j, 4 + 8 * i);
        return result;
    }

    private static long[] Classes(FcosAssignment a) => a.Classes.data<long>().ToArray();

    private static long[] Matched(FcosAssignment a) => a.MatchedIndex.data<long>().ToArray();
}
