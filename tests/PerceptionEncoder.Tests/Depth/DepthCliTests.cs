using System.Text.Json.Nodes;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using PerceptionEncoder.Tests.Cli;

namespace PerceptionEncoder.Tests.Depth;

/// <summary>`pe train depth` and `pe depth` end to end on a few small synthetic NYU-layout scenes with a tiny random backbone.</summary>
public sealed class DepthCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _config;
    private readonly SyntheticNyuSplit _train;
    private readonly SyntheticNyuSplit _test;

    public DepthCliTests()
    {
        _config = _dir.File("tiny.json");
        File.WriteAllText(_config, """
            {"patch_size": 16, "width": 32, "layers": 2, "heads": 2, "mlp_ratio": 2, "image_size": 64, "use_cls_token": true,
             "use_ln_post": false, "pool_type": "none", "output_dim": null}
            """);
        var scenes = new SceneOptions { Width = 80, Height = 60 };
        _train = SyntheticScenes.WriteNyu(_dir.File("data"), "train", 4, seed: 5, scenes);
        _test = SyntheticScenes.WriteNyu(_dir.File("data"), "test", 2, seed: 6, scenes);
    }

    public void Dispose() => _dir.Dispose();

    private (int Code, string Output, string Error) Pe(params string[] args) => InProcessPe.Run(args);

    private (int Code, string Output, string Error) Train(string outDir, int epochs = 2, params string[] extra) => Pe([
        "train", "depth", "--checkpoint", "random:3", "--config", _config, "--data-root", _dir.File("data"), "--out", outDir,
        "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch-size", "2", "--features", "32", "--warmup-steps", "1", "--crop", "none", "--threads", "2", .. extra]);

    [Fact]
    public void TrainThenDepth_SyntheticNyu_ExportsTheHeadAndWritesDepthFilesAtImageSize()
    {
        string head = _dir.File("head");
        var (code, output, error) = Train(head);
        Assert.True(code == 0, $"pe train depth failed ({code}): {error}");
        Assert.Contains("validating on 'test'", output);
        var metadata = HeadCheckpoint.ReadMetadata(head);
        Assert.Equal("depth", metadata.Task);
        Assert.Equal(2, metadata.EpochsTrained);
        Assert.Equal(new HeadInput("squash", 64), metadata.Input);
        Assert.Equal("dpt", metadata.Head["kind"]!.GetValue<string>());
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(head, "metrics.json")))!;
        Assert.Equal(2, metrics["head"]!["count"]!.GetValue<double>());
        Assert.NotNull(metrics["baselines"]!["depth_pixel_median"]!["abs_rel"]);
        Assert.True(File.Exists(Path.Combine(head, "loss.csv")));

        string outDir = _dir.File("pred");
        (code, output, error) = Pe("depth", "--checkpoint", "random:3", "--config", _config, "--head", head, "--out", outDir, _test.DataFolder);
        Assert.True(code == 0, $"pe depth failed ({code}): {error}");
        // The NYU folder also holds the GT depth PNGs: they are not taken for photos.
        Assert.Contains("2 16-bit greyscale PNG(s) (depth maps) skipped", output);
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(outDir, "npy"), "*.npy", SearchOption.AllDirectories).Count());
        foreach (string line in File.ReadLines(_test.ListFile))
        {
            string rgb = line.Split(' ')[0];
            string name = Path.ChangeExtension(rgb, null);
            var png = Png.ReadGray16(Path.Combine(outDir, "png", name + ".png"));
            Assert.Equal((80, 60), (png.Width, png.Height));
            var npy = DepthMap.Read(Path.Combine(outDir, "npy", name + ".npy"));
            Assert.All(npy.Metres, v => Assert.InRange(v, 1e-3f, 10f));
            for (int i = 0; i < png.Pixels.Length; i += 97)
                Assert.Equal(Math.Round(npy.Metres[i] * 1000.0), png.Pixels[i]);
            Assert.True(File.Exists(Path.Combine(outDir, "color", name + ".png")));
        }

        // The files go through `pe eval nyu` (paired by the split list: GT sync_depth_*, predictions named after rgb_*).
        string evalJson = _dir.File("eval.json");
        (code, output, error) = Pe("eval", "nyu", "--gt", _test.DataFolder, "--pred", Path.Combine(outDir, "npy"), "--split", _test.ListFile,
            "--crop", "none", "--out", evalJson);
        Assert.True(code == 0, $"pe eval nyu failed ({code}): {error}");
        var evaluation = JsonNode.Parse(File.ReadAllText(evalJson))!;
        Assert.Equal(2, evaluation["count"]!.GetValue<int>());
        // abs_rel recomputed here from the files, per image then averaged.
        double expected = File.ReadLines(_test.ListFile).Average(line =>
        {
            var parts = line.Split(' ');
            var gt = DepthMap.Read(Path.Combine(_test.DataFolder, parts[1]));
            var pred = DepthMap.Read(Path.Combine(outDir, "npy", Path.ChangeExtension(parts[0], ".npy")));
            var valid = Enumerable.Range(0, gt.Metres.Length).Where(i => gt.Metres[i] > 1e-3f && gt.Metres[i] < 10f).ToList();
            return valid.Average(i => Math.Abs(gt.Metres[i] - (double)pred.Metres[i]) / gt.Metres[i]);
        });
        Assert.True(Math.Abs(expected - evaluation["mean"]!["abs_rel"]!.GetValue<double>()) < 1e-6, $"{expected} vs {evaluation.ToJsonString()}");
        // The same images scored during training (features from the loader's squash resize) agree with the files' score.
        Assert.Equal(metrics["head"]!["abs_rel"]!.GetValue<double>(), evaluation["mean"]!["abs_rel"]!.GetValue<double>(), 4);
        Assert.Equal(metrics["head"]!["d1"]!.GetValue<double>(), evaluation["mean"]!["d1"]!.GetValue<double>(), 3);

        // Run again, as after an interruption: what is done is kept; a missing output is made again.
        string first = Path.Combine(outDir, "npy", Path.ChangeExtension(File.ReadLines(_test.ListFile).First().Split(' ')[0], ".npy"));
        float[] firstMetres = DepthMap.Read(first).Metres;
        string[] again = ["depth", "--checkpoint", "random:3", "--config", _config, "--head", head, "--out", outDir, _test.DataFolder];
        (code, output, error) = Pe(again);
        Assert.True(code == 0, error);
        Assert.Contains("wrote depth for 0 image(s)", output);
        Assert.Contains("(2 kept from an earlier run with the same settings)", output);
        File.Delete(first);
        (code, output, error) = Pe(again);
        Assert.True(code == 0, error);
        Assert.Contains("wrote depth for 1 image(s)", output);
        // Alone instead of in a batch of two: the same up to float rounding.
        Assert.All(DepthMap.Read(first).Metres.Zip(firstMetres), p => Assert.Equal(p.Second, p.First, 1e-4 * p.Second));
    }

    [Fact]
    public void Depth_HeadOfAnotherBackbone_IsRefusedNamingTheHead()
    {
        string head = _dir.File("head");
        Assert.Equal(0, Train(head, epochs: 1).Code);
        var (code, _, error) = Pe("depth", "--checkpoint", "random:4", "--config", _config, "--head", head, "--out", _dir.File("pred"), _test.DataFolder);
        Assert.Equal(PeCli.UserError, code);
        Assert.Contains(head, error);
        Assert.Contains("random:4", error);
    }

    [Fact]
    public void Train_ResumedAfterTheFirstEpoch_EndsWithTheSameWeightsAsOneRun()
    {
        string straight = _dir.File("straight"), resumed = _dir.File("resumed");
        Assert.Equal(0, Train(straight).Code);
        Assert.Equal(0, Train(resumed, epochs: 1).Code);
        var (code, _, error) = Train(resumed, 2, "--resume");
        Assert.True(code == 0, error);
        var (ta, _) = SafetensorsFormat.Read(Path.Combine(straight, HeadCheckpoint.WeightsFileName));
        var (tb, _) = SafetensorsFormat.Read(Path.Combine(resumed, HeadCheckpoint.WeightsFileName));
        Assert.Equal(ta.Select(t => t.Name), tb.Select(t => t.Name));
        foreach (var (x, y) in ta.Zip(tb))
        {
            using var vx = x.Load();
            using var vy = y.Load();
            Assert.True(vx.eq(vy).all().item<bool>(), $"{x.Name} differs after resuming");
        }
    }

    [Fact]
    public void TrainLinear_BinsOutput_Works()
    {
        string head = _dir.File("linear");
        var (code, _, error) = Train(head, 1, "--head", "linear", "--bins", "16", "--bin-spacing", "log");
        Assert.True(code == 0, error);
        var metadata = HeadCheckpoint.ReadMetadata(head);
        Assert.Equal("linear", metadata.Head["kind"]!.GetValue<string>());
        Assert.Equal("log", metadata.Head["output"]!["spacing"]!.GetValue<string>());
        Assert.Equal([1], metadata.Layers);
    }

    [Fact]
    public void Train_CheckpointRandomWithoutConfig_IsBadUsage()
    {
        var (code, _, error) = Pe("train", "depth", "--checkpoint", "random:3", "--data-root", _dir.File("data"), "--out", _dir.File("x"));
        Assert.Equal(PeCli.BadUsage, code);
        Assert.Contains("--config", error);
    }
}
