using System.Globalization;
using System.Text.Json;
using PerceptionEncoder.Eval.Coco;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Numerics;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Coco;

public class CocoEvaluatorFixtureTests
{
    private const double Tolerance = 1e-12;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string c in (string[])["coco_c1_easy_dev", "coco_c2_crowd_dev", "coco_c3_hard_dev"])
            foreach (string type in (string[])["bbox", "segm"])
                data.Add(c, type);
        return data;
    }

    private static string Fixture(params string[] parts) => SharedData.Path(["fixtures", "eval", "coco", .. parts]);

    [SharedTheory]
    [MemberData(nameof(Cases))]
    public void Evaluate_Fixture_MatchesPycocotoolsStatsAndPerCategory(string name, string type)
    {
        var result = CocoEvaluator.Evaluate(Fixture(name, "gt.json"), Fixture(name, $"dets_{type}.json"),
            new CocoEvalParams { IouType = type == "bbox" ? CocoIouType.Bbox : CocoIouType.Segm });
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Fixture(name, "expected.json")));
        var section = expected.RootElement.GetProperty(type);
        double[] stats = section.GetProperty("stats").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(12, stats.Length);
        for (int i = 0; i < 12; i++)
            Assert.True(Math.Abs(stats[i] - result.Stats[i]) <= Tolerance, $"stat {i}: expected {stats[i]:R}, got {result.Stats[i]:R}");

        var perCategory = section.GetProperty("per_category_area_all_maxdet100");
        int seen = 0;
        foreach (var category in perCategory.EnumerateObject())
        {
            long id = long.Parse(category.Name, CultureInfo.InvariantCulture);
            var ours = result.PerCategory.Single(c => c.CategoryId == id);
            AssertClose(category.Value.GetProperty("AP").GetDouble(), ours.Ap, $"category {id} AP");
            AssertClose(category.Value.GetProperty("AP50").GetDouble(), ours.Ap50, $"category {id} AP50");
            AssertClose(category.Value.GetProperty("AR100").GetDouble(), ours.Ar, $"category {id} AR100");
            seen++;
        }
        Assert.Equal(result.CategoryIds.Count, seen);
    }

    [SharedFact]
    public void Evaluate_HardCase_ReportsTheDetectionsOfUnknownCategories()
    {
        var gt = CocoDataset.Load(Fixture("coco_c3_hard_dev", "gt.json"));
        var dt = CocoResults.Load(Fixture("coco_c3_hard_dev", "dets_bbox.json"));
        int unknown = dt.Count(d => !gt.TryGetCategory(d.CategoryId, out _));
        Assert.True(unknown > 0, "the fixture has detections on an unknown category");
        Assert.Equal(unknown, CocoEvaluator.Evaluate(gt, dt).DroppedUnknownCategory);
    }

    [SharedFact]
    public void Thresholds_AreNumpyLinspaceBitForBit()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Fixture("thresholds.json")));
        var p = new CocoEvalParams();
        AssertBits(doc.RootElement.GetProperty("iouThrs_hex"), p.IouThresholds);
        AssertBits(doc.RootElement.GetProperty("recThrs_hex"), p.RecallThresholds);
        Assert.Equal(0.5700000000000001, p.RecallThresholds[57]);
        Assert.Equal(0.8999999999999999, p.IouThresholds[8]);
    }

    [SharedTheory]
    [InlineData("bbox")]
    [InlineData("segm")]
    public void Evaluate_PycocotoolsDemoData_MatchesTheReferenceStats(string type)
    {
        string folder = SharedData.Path("datasets-real", "coco", "cocoapi_fake100");
        var gt = CocoDataset.Load(Path.Combine(folder, "instances_val2014_100.json"));
        var dt = CocoResults.Load(Path.Combine(folder, $"instances_val2014_fake{type}100_results.json"));
        double[] expected = type == "bbox"
            ? [0.5045806987249628, 0.6969727247299577, 0.5729816669904824, 0.5856257209410443, 0.5193996948036719, 0.5013978986347466,
               0.38681277964578054, 0.5936795762842003, 0.595352982877607, 0.6398109626113442, 0.5664205978994309, 0.5642905982905982]
            : [0.3195452758576433, 0.5622883972521636, 0.29892653412086784, 0.3873740315997838, 0.31018272403369485, 0.3269339071005138,
               0.2682297225711534, 0.41544868114906375, 0.4168394992198818, 0.4694498622754236, 0.37675922666197265, 0.3814715099715099];
        var result = CocoEvaluator.Evaluate(gt, dt, new CocoEvalParams
        {
            IouType = type == "bbox" ? CocoIouType.Bbox : CocoIouType.Segm,
        });
        for (int i = 0; i < 12; i++)
            Assert.True(Math.Abs(expected[i] - result.Stats[i]) <= Tolerance, $"stat {i}: expected {expected[i]:R}, got {result.Stats[i]:R}");
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance, $"{what}: expected {expected:R}, got {actual:R}");

    private static void AssertBits(JsonElement hex, IReadOnlyList<double> values)
    {
        var expected = hex.EnumerateArray().Select(h => ParseHexFloat(h.GetString()!)).ToArray();
        Assert.Equal(expected.Length, values.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(values[i]));
        _ = NumpyCompat.Linspace(0, 1, 2);
    }

    /// <summary>Python float.hex() form: 0x1.199999999999ap-1, 0x0.0p+0.</summary>
    private static double ParseHexFloat(string text)
    {
        int p = text.IndexOf('p');
        string mantissa = text[2..p];
        int exponent = int.Parse(text[(p + 1)..], CultureInfo.InvariantCulture);
        string[] parts = mantissa.Split('.');
        long integer = long.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        string frac = parts.Length > 1 ? parts[1] : "";
        long fraction = frac.Length == 0 ? 0 : long.Parse(frac, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        double value = integer + fraction / Math.Pow(16, frac.Length);
        return Math.ScaleB(value, exponent);
    }
}
