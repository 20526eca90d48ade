using System.Text.Json;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary>
/// <c>pe track --checkpoint</c> on real DAVIS frames (car-shadow from ../shared/datasets-real/davis, its DAVIS-2016
/// binary masks mapped to object 1 in a temporary DAVIS-2017 layout) with a small random-weight PE backbone.
/// </summary>
public class TrackDavisEndToEndTests
{
    private const string Sequence = "car-shadow";
    private const int Frames = 4, Width = 854, Height = 480;

    [SharedFact]
    public void Track_RealDavisFramesWithRandomPe_WritesPalettePngsThatPeEvalDavisReads()
    {
        using var temp = new TempDirectory();
        string root = MakeDavisRoot(temp.File("davis"));
        var (checkpoint, config) = SaveTinyBackbone(temp);
        string results = temp.File("results");

        var (code, output, error) = TrackCommandTests.Run("track", "--checkpoint", checkpoint, "--config", config,
            "--davis-root", root, "--out", results, "--threads", "2");
        Assert.True(code == 0, error);
        Assert.Contains($"1 sequence(s), {Frames} frames", output);

        var dataset = new DavisDataset(root);
        var davisResults = new DavisResults(results);
        int objects = dataset.ObjectCount(Sequence);
        Assert.Equal(1, objects);
        var sequence = dataset.GetSequence(Sequence);
        Assert.Equal(sequence.FrameIds, Directory.GetFiles(Path.Combine(results, Sequence)).Select(Path.GetFileNameWithoutExtension).Order());
        foreach (string id in sequence.FrameIds)
        {
            var labels = davisResults.Read(Sequence, id);
            Assert.Equal((Width, Height), (labels.Width, labels.Height));
            Assert.Equal(Palettes.Davis, labels.Palette);
            Assert.True(labels.Pixels.All(v => v <= objects), $"frame {id} holds an id beyond {objects}");
        }
        Assert.Equal(dataset.ReadAnnotation(Sequence, "00000").Pixels, davisResults.Read(Sequence, "00000").Pixels);

        string evaluation = temp.File("eval");
        (code, _, error) = TrackCommandTests.Run("eval", "davis", "--davis-root", root, "--results", results, "--out", evaluation);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(evaluation, "results.json")));
        double jf = json.RootElement.GetProperty("J&F-Mean").GetDouble();
        Assert.InRange(jf, 0, 1);
        Assert.True(json.RootElement.GetProperty("per_object").TryGetProperty($"{Sequence}_1", out _));
    }

    [SharedFact]
    public void Track_FramesOfDifferentSizes_FailsNamingTheFileBeforeWriting()
    {
        using var temp = new TempDirectory();
        string root = MakeDavisRoot(temp.File("davis"));
        string frames = Path.Combine(root, "JPEGImages", "480p", Sequence);
        string odd = Path.Combine(frames, "00003.jpg");
        ImageFile.WriteRgb(odd, new RgbImage(640, 480, new byte[640 * 480 * 3]));
        var (checkpoint, config) = SaveTinyBackbone(temp);
        var (code, _, error) = TrackCommandTests.Run("track", "--checkpoint", checkpoint, "--config", config,
            "--first-mask", Path.Combine(root, "Annotations", "480p", Sequence, "00000.png"), "--frames", frames,
            "--out", temp.File("out"));
        Assert.Equal(PeCli.UserError, code);
        Assert.Contains(odd, error);
        Assert.Contains("640×480", error);
        Assert.False(Directory.Exists(temp.File("out")));
    }

    /// <summary>A DAVIS-2017 root with the first frames of car-shadow; masks: 2016 binary (0/255) mapped >0 -> 1.</summary>
    private static string MakeDavisRoot(string root)
    {
        string images = Path.Combine(root, "JPEGImages", "480p", Sequence), masks = Path.Combine(root, "Annotations", "480p", Sequence);
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(masks);
        for (int t = 0; t < Frames; t++)
        {
            File.Copy(SharedData.Path("datasets-real", "davis", "JPEGImages", "480p", Sequence, $"{t:D5}.jpg"), Path.Combine(images, $"{t:D5}.jpg"));
            var binary = Png.ReadIndexed(SharedData.Path("datasets-real", "davis", "Annotations_2016_binary", "480p", Sequence, $"{t:D5}.png"));
            Png.WriteIndexed(Path.Combine(masks, $"{t:D5}.png"),
                new IndexedImage(binary.Width, binary.Height, binary.Pixels.Select(v => v > 0 ? (byte)1 : (byte)0).ToArray(), Palettes.Davis));
        }
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        File.WriteAllText(Path.Combine(root, "ImageSets", "2017", "val.txt"), Sequence + "\n");
        return root;
    }

    /// <summary>A 2-block PE-Spatial-T with random weights, saved as a checkpoint plus its config JSON.</summary>
    internal static (string Checkpoint, string Config) SaveTinyBackbone(TempDirectory temp)
    {
        var config = PeConfigs.Get("PE-Spatial-T16-512") with { Name = "custom", Layers = 2 };
        string checkpoint = temp.File("tiny-pe.safetensors"), configPath = temp.File("tiny-pe.json");
        using (var backbone = PeBackbone.CreateRandom(config, seed: 7))
            backbone.Save(checkpoint);
        File.WriteAllText(configPath, PeConfigJson.Serialize(config));
        return (checkpoint, configPath);
    }
}
