using System.Buffers.Binary;
using System.Text.Json;
using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Eval.Nyu;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Nyu;

public class DepthEvaluatorTests
{
    private static string Folder => SharedData.Path("fixtures", "eval", "nyu", "nyu_dev");

    private static DepthMap ReadBin(string file, int height, int width)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        var values = new float[height * width];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        return new DepthMap(height, width, values);
    }

    private static void AssertRelative(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    [SharedFact]
    public void Evaluate_FixturePairs_MatchTheFloat64ReferenceAndItsMean()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "manifest.json")));
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "expected.json")));
        var perImage = new List<DepthMetrics>();
        foreach (var pair in manifest.RootElement.GetProperty("pairs").EnumerateArray())
        {
            int h = pair.GetProperty("height").GetInt32(), w = pair.GetProperty("width").GetInt32();
            string name = pair.GetProperty("name").GetString()!;
            var options = new DepthEvalOptions { Crop = pair.GetProperty("eigen_crop").GetBoolean() ? DepthCrop.Eigen : DepthCrop.None };
            var metrics = DepthEvaluator.Evaluate(ReadBin(pair.GetProperty("gt").GetString()!, h, w), ReadBin(pair.GetProperty("pred").GetString()!, h, w), options);
            var reference = expected.RootElement.GetProperty("per_pair").GetProperty(name);
            Assert.Equal(reference.GetProperty("n_valid").GetInt64(), metrics.ValidPixels);
            foreach (string metric in DepthMetrics.Names)
                AssertRelative(reference.GetProperty("float64").GetProperty(metric).GetDouble(), metrics[metric], $"{name} {metric}");
            perImage.Add(metrics);
        }
        var mean = DepthEvaluator.Mean(perImage);
        var referenceMean = expected.RootElement.GetProperty("mean_over_pairs").GetProperty("float64");
        foreach (string metric in DepthMetrics.Names)
            AssertRelative(referenceMean.GetProperty(metric).GetDouble(), mean[metric], $"mean {metric}");
    }

    [Fact]
    public void Evaluate_ThresholdsAreStrictAndComparedInFloat32()
    {
        // GT exactly float32(1e-3) and exactly 10 are invalid; 0.0011 and 9.99 are valid.
        var gt = new DepthMap(1, 4, [0.001f, 10f, 0.0011f, 9.99f]);
        var pred = new DepthMap(1, 4, [1f, 1f, 0.0011f, 9.99f]);
        var m = DepthEvaluator.Evaluate(gt, pred, new DepthEvalOptions { Crop = DepthCrop.None });
        Assert.Equal(2, m.ValidPixels);
        Assert.Equal(0, m.AbsRel);
        Assert.Equal(1, m.D1);
    }

    [Fact]
    public void Evaluate_ClampsPredictionsInTheReferenceOrder()
    {
        // pred NaN -> 1e-3, -inf -> 1e-3, +inf -> 10, 20 -> 10, -5 -> 1e-3; GT 2 everywhere.
        var gt = new DepthMap(1, 5, [2, 2, 2, 2, 2]);
        var pred = new DepthMap(1, 5, [float.NaN, float.NegativeInfinity, float.PositiveInfinity, 20, -5]);
        var m = DepthEvaluator.Evaluate(gt, pred, new DepthEvalOptions { Crop = DepthCrop.None });
        double lo = (double)0.001f, hi = 10;
        double expectedAbsRel = (3 * Math.Abs(2 - lo) / 2 + 2 * Math.Abs(2 - hi) / 2) / 5;
        Assert.Equal(expectedAbsRel, m.AbsRel, 14);
        Assert.Equal(0, m.D3);
    }

    [Fact]
    public void Evaluate_HandWorkedPair_GivesTheTextbookValues()
    {
        // g = [1, 2], p = [2, 2]: abs_rel = (1/1 + 0)/2 = 0.5; sq_rel = (1/1)/2 = 0.5; rmse = sqrt(1/2);
        // e = ln p - ln g = [ln 2, 0]: silog = 100 sqrt(ln2^2/2 - (ln2/2)^2) = 100 ln2 / 2; d1 = 1/2 (ratio 2 fails).
        var m = DepthEvaluator.Evaluate(new DepthMap(1, 2, [1, 2]), new DepthMap(1, 2, [2, 2]), new DepthEvalOptions { Crop = DepthCrop.None });
        Assert.Equal(0.5, m.AbsRel, 15);
        Assert.Equal(0.5, m.SqRel, 15);
        Assert.Equal(Math.Sqrt(0.5), m.Rmse, 15);
        Assert.Equal(100 * Math.Log(2) / 2, m.Silog, 12);
        Assert.Equal(Math.Log10(2) / 2, m.Log10, 15);
        Assert.Equal(Math.Sqrt(Math.Log(2) * Math.Log(2) / 2), m.RmseLog, 15);
        Assert.Equal(0.5, m.D1);
        Assert.Equal(0.5, m.D2); // 2 is not < 1.5625
        Assert.Equal(0.5, m.D3); // 2 < 1.953125 is false too
    }

    [Fact]
    public void Evaluate_EigenCrop_KeepsRows45To470AndColumns41To600()
    {
        // Valid GT everywhere; a wrong prediction only outside the crop leaves the metrics perfect.
        var gt = new float[480 * 640];
        var pred = new float[480 * 640];
        Array.Fill(gt, 3f);
        for (int y = 0; y < 480; y++)
            for (int x = 0; x < 640; x++)
                pred[y * 640 + x] = y is >= 45 and <= 470 && x is >= 41 and <= 600 ? 3f : 9f;
        var m = DepthEvaluator.Evaluate(new DepthMap(480, 640, gt), new DepthMap(480, 640, pred));
        Assert.Equal(426 * 560, m.ValidPixels);
        Assert.Equal(0, m.AbsRel);
    }

    [Fact]
    public void Evaluate_NoValidPixel_GivesNaNAsTheReference()
    {
        var m = DepthEvaluator.Evaluate(new DepthMap(1, 2, [0, 0]), new DepthMap(1, 2, [1, 1]), new DepthEvalOptions { Crop = DepthCrop.None });
        Assert.Equal(0, m.ValidPixels);
        Assert.True(double.IsNaN(m.AbsRel));
    }

    [Fact]
    public void Evaluate_SizeMismatchWithoutResize_IsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => DepthEvaluator.Evaluate(new DepthMap(4, 4, new float[16]), new DepthMap(2, 2, new float[4])));
        Assert.Contains("2x2", e.Message);
        Assert.Contains("4x4", e.Message);
    }

    [Fact]
    public void BilinearAlignCorners_KeepsCornersAndInterpolatesLinearly()
    {
        // A 2x2 map [[0, 1], [2, 3]] to 3x3: corners kept, centre = 1.5, edge midpoints = averages.
        var resized = DepthResize.BilinearAlignCorners(new DepthMap(2, 2, [0, 1, 2, 3]), 3, 3);
        Assert.Equal(new float[] { 0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3 }, resized.Metres);
    }

    [Fact]
    public void Evaluate_WithResize_UpsamplesThePredictionFirst()
    {
        var gt = new DepthMap(3, 3, [1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4]);
        var pred = new DepthMap(2, 2, [1, 2, 3, 4]);
        var m = DepthEvaluator.Evaluate(gt, pred, new DepthEvalOptions { Crop = DepthCrop.None, ResizePrediction = true });
        Assert.Equal(0, m.AbsRel);
        Assert.Equal(9, m.ValidPixels);
    }
}
