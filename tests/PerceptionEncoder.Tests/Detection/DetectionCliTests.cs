using System.Diagnostics;
using System.Text.Json.Nodes;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Heads.Training;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Tests.Detection;

public sealed class DetectionCliTests(DetectionCliFixture fixture) : IClassFixture<DetectionCliFixture>
{
    [Fact]
    public void PeTrainDet_SyntheticCoco_WritesHeadMetadataLossCurveAndPrintsAp()
    {
        var (exit, output) = fixture.TrainOutput;
        Assert.True(exit == 0, output);
        Assert.Contains("epoch 1: bbox AP", output);
        Assert.Contains("epoch 2: bbox AP", output);
        Assert.Contains("Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]", output);
        foreach (string file in new[] { HeadCheckpoint.WeightsFileName, HeadCheckpoint.MetadataFileName, "loss.csv", "loss.png", HeadTrainer<int, int>.ResumeFileName })
            Assert.True(File.Exists(Path.Combine(fixture.Head, file)), $"{file} is missing");

        var metadata = HeadCheckpoint.ReadMetadata(fixture.Head);
        Assert.Equal("detection", metadata.Task);
        Assert.Equal(SyntheticCategory.All.Select(c => (c.Id, c.Name)), metadata.Categories!.Select(c => (c.Id, c.Name)));
        Assert.Equal(PeCheckpoint.Sha256(fixture.Checkpoint), metadata.Backbone.WeightsId);
        Assert.Equal([DetectionCliFixture.Tiny.Layers - 1], metadata.Layers);
        Assert.Equal(new HeadInput("squash", 64), metadata.Input);
        Assert.Equal(2, metadata.EpochsTrained);
        Assert.True(metadata.Metrics!.ContainsKey("AP50"));
        string[] csv = File.ReadAllLines(Path.Combine(fixture.Head, "loss.csv"));
        Assert.Equal("epoch,step,lr,loss,grad_norm,box,cls,quality", csv[0]);
        Assert.Equal(1 + 2 * 2, csv.Length);                                   // 8 images / batch 4 = 2 steps per epoch
    }

    [Fact]
    public void PeDetect_TrainedHead_WritesCocoResultsInOriginalCoordinatesAndDrawings()
    {
        string results = fixture.File("detect", "results.json"), viz = fixture.File("detect", "viz");
        string[] images = [.. Directory.GetFiles(fixture.Val.ImageFolder).Order()];
        var (exit, output) = DetectionCliFixture.RunPe(
            ["detect", "--checkpoint", fixture.Checkpoint, "--config", fixture.Config, "--head", fixture.Head, "--out", results, "--viz", viz,
             "--score-threshold", "0", "--viz-threshold", "0.01", "--threads", "2", .. images]);
        Assert.True(exit == 0, output);

        var entries = JsonNode.Parse(File.ReadAllText(results))!.AsArray();
        Assert.NotEmpty(entries);
        var ids = SyntheticCategory.All.Select(c => c.Id).ToHashSet();
        foreach (var entry in entries)
        {
            var o = entry!.AsObject();
            Assert.Equal(["image_id", "category_id", "bbox", "score"], o.Select(p => p.Key));
            Assert.InRange(o["image_id"]!.GetValue<long>(), 1, images.Length);     // 000000000001.jpg -> 1
            Assert.Contains(o["category_id"]!.GetValue<int>(), ids);
            double[] box = o["bbox"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.True(box[0] >= 0 && box[1] >= 0 && box[2] > 0 && box[3] > 0, $"bad box {string.Join(",", box)}");
            Assert.True(box[0] + box[2] <= DetectionCliFixture.Scenes.Width + 1e-3 && box[1] + box[3] <= DetectionCliFixture.Scenes.Height + 1e-3,
                $"box {string.Join(",", box)} leaves the {DetectionCliFixture.Scenes.Width}x{DetectionCliFixture.Scenes.Height} image");
        }
        Assert.True(entries.Count(e => e!["image_id"]!.GetValue<long>() == 1) <= 100);
        foreach (string image in images)
        {
            string drawing = Path.Combine(viz, Path.GetFileNameWithoutExtension(image) + ".jpg");
            Assert.True(File.Exists(drawing), $"{drawing} is missing");
            Assert.Equal((DetectionCliFixture.Scenes.Width, DetectionCliFixture.Scenes.Height), ImageFile.ReadSize(drawing));
        }

        // Run again, as after an interruption: every image is kept (the same file), then one whose drawing is gone is
        // done again.
        byte[] firstResults = File.ReadAllBytes(results);
        string[] again = ["detect", "--checkpoint", fixture.Checkpoint, "--config", fixture.Config, "--head", fixture.Head, "--out", results, "--viz", viz,
             "--score-threshold", "0", "--viz-threshold", "0.01", "--threads", "2", .. images];
        (exit, output) = DetectionCliFixture.RunPe(again);
        Assert.True(exit == 0, output);
        Assert.Contains($"{images.Length} image(s) kept from an earlier run with the same settings", output);
        Assert.Equal(firstResults, File.ReadAllBytes(results));
        File.Delete(Path.Combine(viz, Path.GetFileNameWithoutExtension(images[0]) + ".jpg"));
        (exit, output) = DetectionCliFixture.RunPe(again);
        Assert.True(exit == 0, output);
        Assert.Contains($"{images.Length - 1} image(s) kept", output);
        // Image 0 alone instead of in a batch of four: the same detections up to float rounding.
        var before = JsonNode.Parse(firstResults)!.AsArray();
        var after = JsonNode.Parse(File.ReadAllText(results))!.AsArray();
        Assert.Equal(before.Count, after.Count);
        static bool Same(JsonNode b, JsonNode a) =>
            b["image_id"]!.GetValue<long>() == a["image_id"]!.GetValue<long>() && b["category_id"]!.GetValue<int>() == a["category_id"]!.GetValue<int>()
            && Math.Abs(b["score"]!.GetValue<double>() - a["score"]!.GetValue<double>()) < 1e-4
            && b["bbox"]!.AsArray().Zip(a["bbox"]!.AsArray()).All(p => Math.Abs(p.First!.GetValue<double>() - p.Second!.GetValue<double>()) < 1e-2);
        Assert.All(after, a => Assert.Contains(before, b => Same(b!, a!)));
        Assert.True(File.Exists(Path.Combine(viz, Path.GetFileNameWithoutExtension(images[0]) + ".jpg")));
    }

    [Fact]
    public void PeDetect_HeadOfAnotherBackbone_IsAUserErrorNamingTheHead()
    {
        var error = new StringWriter();
        int exit = PeCli.Run(
            ["detect", "--checkpoint", fixture.OtherCheckpoint, "--config", fixture.Config, "--head", fixture.Head, "--out", fixture.File("other.json"),
             Directory.GetFiles(fixture.Val.ImageFolder)[0]], TextWriter.Null, error);
        Assert.Equal(PeCli.UserError, exit);
        string message = error.ToString();
        Assert.Contains(fixture.Head, message);
        Assert.Contains("was made for backbone", message);
        Assert.Contains(PeCheckpoint.Sha256(fixture.OtherCheckpoint), message);
        Assert.Single(message.Trim().Split('\n'));
        Assert.False(File.Exists(fixture.File("other.json")));
    }

    [Fact]
    public void PeDetect_UnreadableImage_IsAUserErrorNamingTheFile()
    {
        string bad = fixture.File("broken.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        var error = new StringWriter();
        int exit = PeCli.Run(
            ["detect", "--checkpoint", fixture.Checkpoint, "--config", fixture.Config, "--head", fixture.Head, "--out", fixture.File("broken.json"),
             Directory.GetFiles(fixture.Val.ImageFolder)[0], bad], TextWriter.Null, error);
        Assert.Equal(PeCli.UserError, exit);
        Assert.Contains(bad, error.ToString());
        Assert.False(File.Exists(fixture.File("broken.json")));
    }

    [Fact]
    public void PeDetect_ImageWithoutObjects_WritesAValidEmptyList()
    {
        string blank = fixture.File("blank", "plain.png");
        Directory.CreateDirectory(Path.GetDirectoryName(blank)!);
        ImageFile.WriteRgb(blank, new RgbImage(80, 60, Enumerable.Repeat((byte)128, 80 * 60 * 3).ToArray()));
        string results = fixture.File("blank", "results.json");
        var output = new StringWriter();
        int exit = PeCli.Run(
            ["detect", "--checkpoint", fixture.Checkpoint, "--config", fixture.Config, "--head", fixture.Head, "--out", results, "--score-threshold", "0.99",
             "--viz", fixture.File("blank", "viz"), blank], output, TextWriter.Null);
        Assert.Equal(0, exit);
        Assert.Empty(JsonNode.Parse(File.ReadAllText(results))!.AsArray());
        Assert.True(File.Exists(fixture.File("blank", "viz", "plain.jpg")));
        // "plain" is not a number: ids are assigned 1..N and listed beside the results.
        var map = JsonNode.Parse(File.ReadAllText(fixture.File("blank", "results.image_ids.json")))!.AsArray();
        Assert.Equal(1, map[0]!["image_id"]!.GetValue<long>());
        Assert.Equal(Path.GetFullPath(blank), map[0]!["file"]!.GetValue<string>());
    }

    [Fact]
    public void PeTrainDet_KilledThenResumed_EndsWithTheSameHeadAsAnUninterruptedRun()
    {
        string straight = fixture.File("resume", "straight"), killed = fixture.File("resume", "killed");
        string[] Arguments(string output, params string[] extra) =>
            fixture.TrainArguments(output, epochs: 12, ["--val-split", "none", "--threads", "1", .. extra]);
        var (exit, log) = DetectionCliFixture.RunPe(Arguments(straight));
        Assert.True(exit == 0, log);

        // The trainer writes the resume state, then the head checkpoint, then loss.csv after each epoch: once loss.csv
        // exists, a whole epoch is on disk.
        string lossLog = Path.Combine(killed, HeadTrainer<int, int>.LossLogFileName);
        using (var child = DetectionCliFixture.StartPe(Arguments(killed)))
        {
            var watch = Stopwatch.StartNew();
            while (!File.Exists(lossLog) && !child.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
                Thread.Sleep(2);
            Assert.False(child.HasExited, "pe train det finished before it could be killed");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        int epochsBefore = HeadCheckpoint.ReadMetadata(killed).EpochsTrained;
        Assert.InRange(epochsBefore, 1, 11);

        (exit, log) = DetectionCliFixture.RunPe(Arguments(killed, "--resume"));
        Assert.True(exit == 0, log);
        Assert.Equal(12, HeadCheckpoint.ReadMetadata(killed).EpochsTrained);
        Assert.Equal(File.ReadAllText(Path.Combine(straight, "loss.csv")), File.ReadAllText(Path.Combine(killed, "loss.csv")));
        var (expected, _) = SafetensorsFormat.Read(Path.Combine(straight, HeadCheckpoint.WeightsFileName));
        var (actual, _) = SafetensorsFormat.Read(Path.Combine(killed, HeadCheckpoint.WeightsFileName));
        Assert.Equal(expected.Select(t => t.Name), actual.Select(t => t.Name));
        foreach (var (a, b) in expected.Zip(actual))
        {
            using var ta = a.Load();
            using var tb = b.Load();
            Assert.True(ta.eq(tb).all().item<bool>(), $"{a.Name} differs from the uninterrupted run");
        }
    }

    [Fact]
    public void PeTrainDet_FromAFeatureCache_TrainsAndRefusesAnotherBackbone()
    {
        string cache = fixture.File("cache", "train");
        var environment = new Dictionary<string, string> { ["PE_DATASETS"] = fixture.DataRoot };
        var (exit, log) = DetectionCliFixture.RunPe(
            ["cache", "--checkpoint", fixture.Checkpoint, "--config", fixture.Config, "--dataset", "coco", "--data-root", fixture.DataRoot, "--split", "train",
             "--layers", "-1", "--image-size", "64", "--out", cache, "--threads", "2"]);
        Assert.True(exit == 0, log);

        string head = fixture.File("cache", "head");
        (exit, log) = DetectionCliFixture.RunPe(
            ["train", "det", "--checkpoint", fixture.Checkpoint, "--config", fixture.Config, "--cache", cache, "--out", head, "--epochs", "1", "--batch-size", "4",
             "--channels", "16", "--levels", "3,4", "--tower-convs", "1", "--val-images", "2", "--threads", "2"], environment);
        Assert.True(exit == 0, log);
        Assert.Contains("features from the cache", log);
        Assert.Contains("epoch 1: bbox AP", log);
        Assert.Equal(new HeadInput("squash", 64), HeadCheckpoint.ReadMetadata(head).Input);

        (exit, log) = DetectionCliFixture.RunPe(
            ["train", "det", "--checkpoint", fixture.OtherCheckpoint, "--config", fixture.Config, "--cache", cache, "--out", fixture.File("cache", "other"),
             "--epochs", "1", "--val-split", "none"], environment);
        Assert.Equal(PeCli.UserError, exit);
        Assert.Contains("the cache was made with", log);
    }
}
