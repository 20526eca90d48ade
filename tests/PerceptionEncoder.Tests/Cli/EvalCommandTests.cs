using System.Text.Json;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Eval.Coco;
using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Cli;

public class EvalCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = PeCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string Coco(string name, string file) => SharedData.Path("fixtures", "eval", "coco", name, file);

    [SharedTheory]
    [InlineData("bbox")]
    [InlineData("segm")]
    public void EvalCoco_Fixture_PrintsTheSummaryAndWritesTheJson(string type)
    {
        using var temp = new TempDirectory();
        string gt = Coco("coco_c3_hard_dev", "gt.json"), dt = Coco("coco_c3_hard_dev", $"dets_{type}.json");
        var (code, stdout, stderr) = Run("eval", "coco", "--gt", gt, "--dt", dt, "--iou-type", type, "--out", temp.File("m.json"));
        Assert.Equal(0, code);
        Assert.Contains("categories that are not in", stderr); // the fixture has results on an unknown category
        var expected = CocoEvaluator.Evaluate(gt, dt, new CocoEvalParams { IouType = type == "segm" ? CocoIouType.Segm : CocoIouType.Bbox });
        Assert.Equal(expected.Summary(), stdout);

        using var json = JsonDocument.Parse(File.ReadAllBytes(temp.File("m.json")));
        using var reference = JsonDocument.Parse(File.ReadAllBytes(Coco("coco_c3_hard_dev", "expected.json")));
        Assert.Equal(type, json.RootElement.GetProperty("iou_type").GetString());
        var stats = json.RootElement.GetProperty("stats").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var want = reference.RootElement.GetProperty(type).GetProperty("stats").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(12, stats.Length);
        for (int i = 0; i < 12; i++) Assert.True(Math.Abs(want[i] - stats[i]) <= 1e-12, $"stat {i}");
        foreach (var category in reference.RootElement.GetProperty(type).GetProperty("per_category_area_all_maxdet100").EnumerateObject())
            Assert.True(Math.Abs(category.Value.GetProperty("AP").GetDouble() - json.RootElement.GetProperty("per_category").GetProperty(category.Name).GetDouble()) <= 1e-12);
    }

    [Fact]
    public void EvalCoco_MalformedJson_IsAUserErrorNamingFileAndLine()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("gt.json"), "{\"images\": [{\"id\": 1, \"width\": 4, \"height\": 4}], \"annotations\": [], \"categories\": [{\"id\": 1, \"name\": \"a\"}]}");
        File.WriteAllText(temp.File("dt.json"), "[\n{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 0.5}\n{\"image_id\": 1}]");
        var (code, _, stderr) = Run("eval", "coco", "--gt", temp.File("gt.json"), "--dt", temp.File("dt.json"));
        Assert.Equal(1, code);
        Assert.Contains(temp.File("dt.json"), stderr);
        Assert.Contains("line 3", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void EvalCoco_ResultOnUnknownImage_IsAUserErrorNamingTheId()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("gt.json"), "{\"images\": [{\"id\": 1, \"width\": 4, \"height\": 4}], \"annotations\": [], \"categories\": [{\"id\": 1, \"name\": \"a\"}]}");
        File.WriteAllText(temp.File("dt.json"), "[{\"image_id\": 404, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 0.5}]");
        var (code, _, stderr) = Run("eval", "coco", "--gt", temp.File("gt.json"), "--dt", temp.File("dt.json"));
        Assert.Equal(1, code);
        Assert.Contains("image_id 404", stderr);
    }

    [Fact]
    public void EvalCoco_EmptyResults_SucceedsWithZeroRecall()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("gt.json"), "{\"images\": [{\"id\": 1, \"width\": 40, \"height\": 40}], \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [0,0,10,10], \"area\": 100}], \"categories\": [{\"id\": 1, \"name\": \"a\"}]}");
        File.WriteAllText(temp.File("dt.json"), "[]");
        var (code, stdout, stderr) = Run("eval", "coco", "--gt", temp.File("gt.json"), "--dt", temp.File("dt.json"));
        Assert.Equal(0, code);
        Assert.Contains("maxDets=100 ] = 0.000", stdout);
        Assert.Contains("no results", stderr);
    }

    [Fact]
    public void EvalCoco_MissingGt_IsBadUsage()
    {
        Assert.Equal(2, Run("eval", "coco", "--dt", "x.json").Code);
    }

    [Fact]
    public void EvalNyu_Folders_WritesTheJsonAndTable()
    {
        using var temp = new TempDirectory();
        // GT as uint16 mm PNG, prediction as float32 npy: g = 2 m everywhere in a 480x640 map, p = 2.5 m.
        var mm = new ushort[480 * 640];
        Array.Fill(mm, (ushort)2000);
        Directory.CreateDirectory(temp.File("gt", "room"));
        Png.WriteGray16(temp.File("gt", "room", "a.png"), new Gray16Image(640, 480, mm));
        var pred = new float[480 * 640];
        Array.Fill(pred, 2.5f);
        new DepthMap(480, 640, pred).WriteNpy(temp.File("pred", "room", "a.npy"));
        var (code, stdout, _) = Run("eval", "nyu", "--gt", temp.File("gt"), "--pred", temp.File("pred"), "--out", temp.File("m.json"));
        Assert.Equal(0, code);
        Assert.Contains("abs_rel", stdout);
        Assert.Contains("0.2500", stdout);
        using var json = JsonDocument.Parse(File.ReadAllBytes(temp.File("m.json")));
        Assert.Equal(1, json.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(0.25, json.RootElement.GetProperty("mean").GetProperty("abs_rel").GetDouble(), 12);
        Assert.Equal(0.25, json.RootElement.GetProperty("per_image").GetProperty("room/a").GetProperty("abs_rel").GetDouble(), 12);
        Assert.Equal(426 * 560, json.RootElement.GetProperty("per_image").GetProperty("room/a").GetProperty("valid_pixels").GetInt32());
    }

    [Fact]
    public void EvalNyu_SizeMismatch_IsAnErrorUnlessResized()
    {
        using var temp = new TempDirectory();
        Png.WriteGray16(temp.File("gt", "a.png"), new Gray16Image(8, 6, Enumerable.Repeat((ushort)1500, 48).ToArray()));
        new DepthMap(3, 4, Enumerable.Repeat(1.5f, 12).ToArray()).WriteNpy(temp.File("pred", "a.npy"));
        var (code, _, stderr) = Run("eval", "nyu", "--gt", temp.File("gt"), "--pred", temp.File("pred"), "--crop", "none");
        Assert.Equal(1, code);
        Assert.Contains("a.npy", stderr);
        var resized = Run("eval", "nyu", "--gt", temp.File("gt"), "--pred", temp.File("pred"), "--crop", "none", "--resize");
        Assert.Equal(0, resized.Code);
    }

    [Fact]
    public void EvalNyu_SplitList_PairsByTheDepthPath()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("gt", "kitchen"));
        Png.WriteGray16(temp.File("gt", "kitchen", "sync_depth_00001.png"), new Gray16Image(4, 2, Enumerable.Repeat((ushort)3000, 8).ToArray()));
        new DepthMap(2, 4, Enumerable.Repeat(3f, 8).ToArray()).WriteNpy(temp.File("pred", "kitchen", "sync_depth_00001.npy"));
        File.WriteAllText(temp.File("split.txt"), "kitchen/rgb_00001.jpg kitchen/sync_depth_00001.png 518.8579");
        var (code, stdout, stderr) = Run("eval", "nyu", "--gt", temp.File("gt"), "--pred", temp.File("pred"), "--split", temp.File("split.txt"), "--crop", "none");
        Assert.True(code == 0, stderr);
        Assert.Contains("1 image(s)", stdout);
    }

    [SharedFact]
    public void EvalDavis_Fixture_WritesTheOfficialCsvs()
    {
        using var temp = new TempDirectory();
        string root = SharedData.Path("fixtures", "eval", "davis", "davis_dev");
        var (code, stdout, stderr) = Run("eval", "davis", "--davis-root", Path.Combine(root, "DAVIS"), "--results", Path.Combine(root, "results"), "--out", temp.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("J&F-Mean", stdout);
        Assert.Contains("0.524", stdout);
        Assert.Equal(File.ReadAllText(Path.Combine(root, "expected_global.csv")), File.ReadAllText(temp.File("global_results-val.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(root, "expected_per_sequence.csv")), File.ReadAllText(temp.File("per-sequence_results-val.csv")));
        using var json = JsonDocument.Parse(File.ReadAllBytes(temp.File("results.json")));
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "expected.json")));
        Assert.Equal(expected.RootElement.GetProperty("global").GetProperty("J&F-Mean").GetDouble(), json.RootElement.GetProperty("J&F-Mean").GetDouble(), 12);
        Assert.True(json.RootElement.GetProperty("per_object").GetProperty("synth-bravo-71_2").TryGetProperty("F-Mean", out _));
    }

    [SharedFact]
    public void EvalDavis_MissingResults_IsAUserErrorNamingTheFrame()
    {
        using var temp = new TempDirectory();
        string root = SharedData.Path("fixtures", "eval", "davis", "davis_dev");
        Directory.CreateDirectory(temp.File("results", "synth-alpha-70"));
        var (code, _, stderr) = Run("eval", "davis", "--davis-root", Path.Combine(root, "DAVIS"), "--results", temp.File("results"), "--out", temp.File("o"));
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(temp.File("results"), "synth-alpha-70", "00001.png"), stderr);
    }
}
