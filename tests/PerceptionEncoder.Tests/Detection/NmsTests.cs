using PerceptionEncoder.Heads.Detection;
using PerceptionEncoder.Heads.Detection.Postprocessing;

namespace PerceptionEncoder.Tests.Detection;

public sealed class NmsTests
{
    private static readonly BoxXyxy A = new(0, 0, 10, 10);
    private static readonly BoxXyxy ShiftedA = new(1, 0, 11, 10);       // IoU with A = 90 / 110 = 0.818
    private static readonly BoxXyxy Far = new(20, 20, 30, 30);

    [Fact]
    public void Run_OverlapAboveThreshold_KeepsOnlyTheBestOfTheCluster()
    {
        var kept = BatchedNms.Run([A, ShiftedA, Far], [0.9f, 0.8f, 0.7f], [0, 0, 0], iouThreshold: 0.5f);
        Assert.Equal([0, 2], kept);
    }

    [Fact]
    public void Run_OverlapBelowThreshold_KeepsAllInScoreOrder()
    {
        var kept = BatchedNms.Run([Far, A, ShiftedA], [0.7f, 0.9f, 0.8f], [0, 0, 0], iouThreshold: 0.85f);
        Assert.Equal([1, 2, 0], kept);
    }

    [Fact]
    public void Run_SameBoxesOfDifferentClasses_NeverSuppressEachOther()
    {
        var kept = BatchedNms.Run([A, ShiftedA, A], [0.9f, 0.8f, 0.6f], [0, 1, 2], iouThreshold: 0.5f);
        Assert.Equal([0, 1, 2], kept);
    }

    [Fact]
    public void Run_PerClass_SuppressesWithinEachClassOnly()
    {
        // Class 0: A (0.9) suppresses ShiftedA (0.5). Class 1: ShiftedA (0.8) suppresses A (0.7).
        var kept = BatchedNms.Run([A, ShiftedA, ShiftedA, A], [0.9f, 0.5f, 0.8f, 0.7f], [0, 0, 1, 1], iouThreshold: 0.5f);
        Assert.Equal([0, 2], kept);
    }

    [Fact]
    public void Run_EqualScores_TheLowerIndexWins()
    {
        Assert.Equal([0], BatchedNms.Run([A, ShiftedA], [0.5f, 0.5f], [3, 3], iouThreshold: 0.5f));
        Assert.Equal([0], BatchedNms.Run([ShiftedA, A], [0.5f, 0.5f], [3, 3], iouThreshold: 0.5f));
        Assert.Equal([0, 1], BatchedNms.Run([Far, A], [0.5f, 0.5f], [3, 3], iouThreshold: 0.5f));
    }

    [Fact]
    public void Run_SuppressedBox_DoesNotSuppressOthers()
    {
        // B overlaps A and C by IoU 1/3 each; A and C do not touch. With threshold 0.3, A suppresses B, and C,
        // compared with kept boxes only, survives.
        BoxXyxy b = new(5, 0, 15, 10), c = new(10, 0, 20, 10);
        var kept = BatchedNms.Run([A, b, c], [0.9f, 0.8f, 0.7f], [0, 0, 0], iouThreshold: 0.3f);
        Assert.Equal([0, 2], kept);
    }

    [Fact]
    public void Run_IoUEqualToThreshold_IsKept()
    {
        BoxXyxy half = new(0, 0, 10, 5);                                  // IoU with A = 50 / 100 = 0.5 exactly
        Assert.Equal([0, 1], BatchedNms.Run([A, half], [0.9f, 0.8f], [0, 0], iouThreshold: 0.5f));
        Assert.Equal([0], BatchedNms.Run([A, half], [0.9f, 0.8f], [0, 0], iouThreshold: 0.49f));
    }

    [Fact]
    public void Run_MaxKeep_ReturnsTheBestOnes()
    {
        var kept = BatchedNms.Run([Far, A, new BoxXyxy(50, 50, 60, 60)], [0.2f, 0.9f, 0.5f], [0, 1, 0], iouThreshold: 0.5f, maxKeep: 2);
        Assert.Equal([1, 2], kept);
    }

    [Fact]
    public void Run_NoBoxes_KeepsNothing()
    {
        Assert.Empty(BatchedNms.Run([], [], [], iouThreshold: 0.5f));
    }

    [Fact]
    public void IoU_HandWorkedBoxes_MatchArithmetic()
    {
        Assert.Equal(90f / 110f, BoxXyxy.IoU(A, ShiftedA), 6);
        Assert.Equal(0f, BoxXyxy.IoU(A, Far));
        Assert.Equal(1f, BoxXyxy.IoU(A, A));
    }
}
