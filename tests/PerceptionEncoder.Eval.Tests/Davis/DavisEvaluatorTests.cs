using System.Text.Json;
using PerceptionEncoder.Eval.Davis;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Davis;

public class DavisEvaluatorTests
{
    private const double Tolerance = 1e-9;

    private static string Fixture(params string[] parts) => SharedData.Path(["fixtures", "eval", "davis", "davis_dev", .. parts]);

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance, $"{what}: expected {expected:R}, got {actual:R}");

    [SharedFact]
    public void Evaluate_Fixture_MatchesTheOfficialEvaluatorAtFullPrecision()
    {
        var result = DavisEvaluator.Evaluate(Fixture("DAVIS"), Fixture("results"));
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Fixture("expected.json")));
        foreach (var (name, value) in result.Global)
            AssertClose(expected.RootElement.GetProperty("global").GetProperty(name).GetDouble(), value, name);

        var perObject = expected.RootElement.GetProperty("per_object");
        Assert.Equal(perObject.EnumerateObject().Select(p => p.Name), result.Objects.Select(o => o.Name));
        foreach (var o in result.Objects)
        {
            var e = perObject.GetProperty(o.Name);
            AssertClose(e.GetProperty("J-Mean").GetDouble(), o.JStatistics.Mean, $"{o.Name} J-Mean");
            AssertClose(e.GetProperty("J-Recall").GetDouble(), o.JStatistics.Recall, $"{o.Name} J-Recall");
            AssertClose(e.GetProperty("J-Decay").GetDouble(), o.JStatistics.Decay, $"{o.Name} J-Decay");
            AssertClose(e.GetProperty("F-Mean").GetDouble(), o.FStatistics.Mean, $"{o.Name} F-Mean");
            AssertClose(e.GetProperty("F-Recall").GetDouble(), o.FStatistics.Recall, $"{o.Name} F-Recall");
            AssertClose(e.GetProperty("F-Decay").GetDouble(), o.FStatistics.Decay, $"{o.Name} F-Decay");

            var frames = expected.RootElement.GetProperty("per_frame").GetProperty(o.Name);
            Assert.Equal(frames.GetProperty("frames").EnumerateArray().Select(f => f.GetString()), o.FrameIds);
            var j = frames.GetProperty("J").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var f = frames.GetProperty("F").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int i = 0; i < j.Length; i++)
            {
                AssertClose(j[i], o.J[i], $"{o.Name} J[{o.FrameIds[i]}]");
                AssertClose(f[i], o.F[i], $"{o.Name} F[{o.FrameIds[i]}]");
            }
        }
    }

    [SharedFact]
    public void Write_Fixture_ProducesTheOfficialCsvsVerbatim()
    {
        using var temp = new TempDirectory();
        DavisEvaluator.Evaluate(Fixture("DAVIS"), Fixture("results")).Write(temp.Path);
        Assert.Equal(File.ReadAllText(Fixture("expected_global.csv")), File.ReadAllText(temp.File("global_results-val.csv")));
        Assert.Equal(File.ReadAllText(Fixture("expected_per_sequence.csv")), File.ReadAllText(temp.File("per-sequence_results-val.csv")));
        using var json = JsonDocument.Parse(File.ReadAllBytes(temp.File("results.json")));
        Assert.True(json.RootElement.TryGetProperty("J&F-Mean", out _));
        Assert.True(json.RootElement.GetProperty("per_object").TryGetProperty("synth-alpha-70_1", out _));
    }

    [SharedFact]
    public void Evaluate_RealOsvosCarShadow_GivesTheSanityJMean()
    {
        // GT here is the DAVIS-2016 binary annotation (0/255): build a DAVIS-2017 layout with >0 -> 1.
        using var temp = new TempDirectory();
        string real = SharedData.Path("datasets-real", "davis");
        string annotations = temp.File("DAVIS", "Annotations", "480p", "car-shadow");
        string images = temp.File("DAVIS", "JPEGImages", "480p", "car-shadow");
        Directory.CreateDirectory(annotations);
        Directory.CreateDirectory(images);
        foreach (string png in Directory.GetFiles(Path.Combine(real, "Annotations_2016_binary", "480p", "car-shadow"), "*.png"))
        {
            var mask = Png.ReadIndexed(png);
            var labels = mask.Pixels.Select(v => v > 0 ? (byte)1 : (byte)0).ToArray();
            Png.WriteIndexed(Path.Combine(annotations, Path.GetFileName(png)), new IndexedImage(mask.Width, mask.Height, labels));
        }
        foreach (string jpg in Directory.GetFiles(Path.Combine(real, "JPEGImages", "480p", "car-shadow"), "*.jpg"))
            File.Copy(jpg, Path.Combine(images, Path.GetFileName(jpg)));
        Directory.CreateDirectory(temp.File("DAVIS", "ImageSets", "2017"));
        File.WriteAllText(temp.File("DAVIS", "ImageSets", "2017", "val.txt"), "car-shadow\n");

        var result = DavisEvaluator.Evaluate(temp.File("DAVIS"), Path.Combine(real, "results", "semi-supervised", "osvos"));
        var car = Assert.Single(result.Objects);
        Assert.Equal(38, car.FrameIds.Count);
        Assert.Equal(0.9284, car.JStatistics.Mean, 1e-3);
        Assert.InRange(car.FStatistics.Mean, 0.5, 1.0);
    }

    [Fact]
    public void Statistics_DecayBinsOverlapAndUseRoundedLinspace()
    {
        // N = 8: ids = round(linspace(1, 8, 5) + 1e-10) - 1 = [0, 2, 4, 5, 7]; bins [0..2] and [5..7].
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        var s = DavisStatistics.Of(x);
        Assert.Equal(2 - 7, s.Decay);
        Assert.Equal(4.5, s.Mean);
        Assert.Equal(1, s.Recall);
        // N = 11: ids [0, 3, 5, 8, 10] -> bins [0..3] and [8..10].
        double[] y = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
        Assert.Equal((0.0 + 0.1 + 0.2 + 0.3) / 4 - (0.8 + 0.9 + 1.0) / 3, DavisStatistics.Of(y).Decay, 15);
        Assert.Equal(5 / 11.0, DavisStatistics.Of(y).Recall, 15); // 0.6..1.0 are > 0.5, 0.5 is not
    }

    [Fact]
    public void BoundaryRadius_FollowsTheDiagonal()
    {
        Assert.Equal(8, DavisMeasures.BoundaryRadius(480, 854));
        Assert.Equal(2, DavisMeasures.BoundaryRadius(120, 160));
        Assert.Equal(2, DavisMeasures.BoundaryRadius(150, 200));
    }

    [Fact]
    public void Frame_EmptyVersusEmpty_IsPerfect_AndMissingObjectIsZero()
    {
        var gt = new byte[20 * 20];
        var result = new byte[20 * 20];
        for (int y = 5; y < 10; y++)
            for (int x = 5; x < 10; x++)
                gt[y * 20 + x] = 2; // object 2 present, object 1 absent from both
        Span<double> j = stackalloc double[2];
        Span<double> f = stackalloc double[2];
        DavisMeasures.Frame(gt, result, 20, 20, 2, j, f);
        Assert.Equal(1, j[0]);
        Assert.Equal(1, f[0]);
        Assert.Equal(0, j[1]);
        Assert.Equal(0, f[1]);
    }

    [Fact]
    public void Frame_ShiftWithinTolerance_HasPerfectF()
    {
        // A 10x10 square shifted by one pixel: J = 90/110, F = 1 (every boundary pixel within r = 1 of the other).
        var gt = new byte[30 * 30];
        var result = new byte[30 * 30];
        for (int y = 10; y < 20; y++)
            for (int x = 10; x < 20; x++)
            {
                gt[y * 30 + x] = 1;
                result[y * 30 + x + 1] = 1;
            }
        Span<double> j = stackalloc double[1];
        Span<double> f = stackalloc double[1];
        DavisMeasures.Frame(gt, result, 30, 30, 1, j, f);
        Assert.Equal(90.0 / 110.0, j[0]);
        Assert.Equal(1, f[0]);
    }
}
