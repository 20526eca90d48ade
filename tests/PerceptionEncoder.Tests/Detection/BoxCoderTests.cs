using PerceptionEncoder.Heads.Detection;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Detection;

public sealed class BoxCoderTests
{
    [Fact]
    public void Encode_PointInsideBox_GivesLogOfSideDistancesOverStride()
    {
        // Point (10, 20), box (4, 12)-(30, 28), stride 8: l = 6, t = 8, r = 20, b = 8.
        using var points = tensor(new float[] { 10, 20 }).view(1, 2);
        using var boxes = tensor(new float[] { 4, 12, 30, 28 }).view(1, 4);
        using var strides = tensor(new float[] { 8 });
        using var codes = BoxCoder.Encode(points, boxes, strides);
        float[] expected = [MathF.Log(0.75f), 0f, MathF.Log(2.5f), 0f];
        AssertClose(expected, codes.data<float>().ToArray(), 1e-6);
    }

    [Fact]
    public void Decode_ZeroCodes_GiveASquareOfTwoStridesAroundThePoint()
    {
        using var points = tensor(new float[] { 10, 20, 100, 50 }).view(2, 2);
        using var codes = zeros(2, 4);
        using var strides = tensor(new float[] { 8, 32 });
        using var boxes = BoxCoder.Decode(points, codes, strides);
        AssertClose([2, 12, 18, 28, 68, 18, 132, 82], boxes.data<float>().ToArray(), 1e-5);
    }

    [Fact]
    public void EncodeThenDecode_ManyBoxes_RoundTrips()
    {
        var generator = new Generator(7);
        using var corners = rand(64, 2, generator: generator) * 200;                        // [N, 2] top-left
        using var sizes = rand(64, 2, generator: generator) * 150 + 2;                      // [N, 2]
        using var fraction = rand(64, 2, generator: generator) * 0.9 + 0.05;                // strictly inside
        using var boxes = cat([corners, corners + sizes], 1);                               // [N, 4]
        using var points = corners + sizes * fraction;                                      // [N, 2]
        using var strides = tensor(Enumerable.Range(0, 64).Select(i => (float)(8 << (i % 4))).ToArray());
        using var codes = BoxCoder.Encode(points, boxes, strides);
        using var decoded = BoxCoder.Decode(points, codes, strides);
        Assert.True(decoded.allclose(boxes, rtol: 1e-5, atol: 1e-3), "decode(encode(box)) differs from the box");
    }

    [Fact]
    public void Decode_HugeCode_IsClampedToMaxCode()
    {
        using var points = zeros(1, 2);
        using var codes = full(1, 4, 100f);
        using var strides = tensor(new float[] { 1 });
        using var boxes = BoxCoder.Decode(points, codes, strides);
        float limit = (float)Math.Exp(BoxCoder.MaxCode);
        AssertClose([-limit, -limit, limit, limit], boxes.data<float>().ToArray(), 1e-2);
    }

    [Fact]
    public void Distances_PointOutsideBox_AreNegativeOnThatSide()
    {
        using var points = tensor(new float[] { 0, 5 }).view(1, 2);
        using var boxes = tensor(new float[] { 2, 0, 10, 10 }).view(1, 4);
        using var d = BoxCoder.Distances(points, boxes);
        AssertClose([-2, 5, 10, 5], d.data<float>().ToArray(), 1e-6);
    }

    internal static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
