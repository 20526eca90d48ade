using System.Text.Json;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Data;

/// <summary>The evaluators run unchanged on the synthetic datasets: the ground truth scored against itself is perfect.</summary>
public class SyntheticEvaluationTests
{
    private static readonly SceneOptions Small = new() { Width = 160, Height = 120, MinObjectSize = 12, CrowdProbability = 0.5 };

    [Fact]
    public void PeEvalCoco_GroundTruthBoxesAsDetections_ScoresApOne()
    {
        using var temp = new TempDirectory();
        var split = SyntheticScenes.WriteCoco(temp.Path, "val", 8, seed: 2, Small);
        var gt = CocoDataset.Load(split.AnnotationFile);
        var detections = gt.Annotations.Where(a => !a.IsCrowd).Select(a => new
        {
            image_id = a.ImageId,
            category_id = a.CategoryId,
            bbox = new[] { a.Bbox!.Value.X, a.Bbox.Value.Y, a.Bbox.Value.Width, a.Bbox.Value.Height },
            score = 1.0,
        });
        string dt = temp.File("dt.json"), result = temp.File("coco.json");
        File.WriteAllText(dt, JsonSerializer.Serialize(detections));
        Assert.Equal(0, PeCli.Run(["eval", "coco", "--gt", split.AnnotationFile, "--dt", dt, "--out", result], TextWriter.Null, TextWriter.Null));
        using var json = JsonDocument.Parse(File.ReadAllText(result));
        Assert.Equal(1.0, json.RootElement.GetProperty("stats")[0].GetDouble(), 6); // AP
        Assert.Equal(1.0, json.RootElement.GetProperty("stats")[1].GetDouble(), 6); // AP50
    }

    [Fact]
    public void PeEvalNyu_GroundTruthAsPrediction_ScoresAbsRelZero()
    {
        using var temp = new TempDirectory();
        var split = SyntheticScenes.WriteNyu(temp.Path, "test", 4, seed: 3, Small);
        string result = temp.File("nyu.json");
        var error = new StringWriter();
        int exit = PeCli.Run(["eval", "nyu", "--gt", split.DataFolder, "--pred", split.DataFolder, "--split", split.ListFile,
            "--crop", "none", "--out", result], TextWriter.Null, error);
        Assert.True(exit == 0, error.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(result));
        Assert.Equal(4, json.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(0.0, json.RootElement.GetProperty("mean").GetProperty("abs_rel").GetDouble(), 9);
        Assert.Equal(1.0, json.RootElement.GetProperty("mean").GetProperty("d1").GetDouble(), 9);
    }

    [Fact]
    public void PeEvalDavis_AnnotationsAsResults_ScoreJAndFOne()
    {
        using var temp = new TempDirectory();
        var set = SyntheticScenes.WriteDavis(temp.Path, "val", 2, seed: 6, new VideoOptions { Width = 160, Height = 96, Frames = 6, MinObjectSize = 16 });
        string output = temp.File("davis-eval");
        var error = new StringWriter();
        int exit = PeCli.Run(["eval", "davis", "--davis-root", set.DavisRoot, "--results", Path.Combine(set.DavisRoot, "Annotations", "480p"),
            "--set", "val", "--out", output], TextWriter.Null, error);
        Assert.True(exit == 0, error.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.Equal(1.0, json.RootElement.GetProperty("J&F-Mean").GetDouble(), 9);
    }
}
