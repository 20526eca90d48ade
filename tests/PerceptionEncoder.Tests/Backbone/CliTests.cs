using System.Text.Json;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using PerceptionEncoder.Tests.Cli;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

/// <summary><c>pe info</c> and <c>pe features</c> end to end, against the library.</summary>
public sealed class CliTests
{
    private static (int Exit, string Output, string Error) Pe(params string[] args) => InProcessPe.Run(["--threads", "2", .. args]);

    private static RgbImage RandomImage(int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    private static string WriteConfig(TempDirectory dir, PeConfig config)
    {
        string path = dir.File(config.Name + ".json");
        File.WriteAllText(path, PeConfigJson.Serialize(config));
        return path;
    }

    private static Dictionary<string, Tensor> ReadFeatures(string path)
    {
        var (tensors, _) = SafetensorsFormat.Read(path);
        return tensors.ToDictionary(t => t.Name, t => t.Load());
    }

    [Fact]
    public void Features_GeneratedImage_WritesWhatTheLibraryComputes()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Full, seed: 21);
        string checkpoint = dir.File("w.safetensors"), config = WriteConfig(dir, TinyModels.Full), image = dir.File("img.png");
        backbone.Save(checkpoint);
        var rgb = RandomImage(70, 50, seed: 1);
        ImageFile.WriteRgb(image, rgb);

        var (exit, output, error) = Pe("features", "--checkpoint", checkpoint, "--config", config, "--layers", "0,-1", "--out", dir.File("out"), image);
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 1 feature file(s)", output);

        var written = ReadFeatures(dir.File("out", "img.safetensors"));
        Assert.Equal(["cls_0", "cls_1", "layer_0", "layer_1"], written.Keys.Order());
        using var maps = backbone.Extract(PeImageTransform.ToBatch([ImageFile.ReadRgb(image)], 32, 8), [0, 1]);
        foreach (int layer in new[] { 0, 1 })
        {
            Assert.Equal(ScalarType.Float32, written[$"layer_{layer}"].dtype);
            Assert.Equal([32, 4, 4], written[$"layer_{layer}"].shape);
            TensorAssert.Close(maps[layer][0], written[$"layer_{layer}"], $"layer_{layer}", atol: 1e-6, rtol: 1e-6);
            TensorAssert.Close(maps.ClassToken(layer)![0], written[$"cls_{layer}"], $"cls_{layer}", atol: 1e-6, rtol: 1e-6);
        }
    }

    [Fact]
    public void Features_FolderNativeBf16Batches_KeepsSubfoldersAndSizes()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 22);
        string checkpoint = dir.File("w.pt"), config = WriteConfig(dir, TinyModels.Spatial);
        backbone.Save(checkpoint);
        ImageFile.WriteRgb(dir.File("in", "a.png"), RandomImage(40, 24, 2));
        ImageFile.WriteRgb(dir.File("in", "b.png"), RandomImage(40, 24, 3));
        ImageFile.WriteRgb(dir.File("in", "sub", "c.jpg"), RandomImage(17, 33, 4));

        var (exit, _, error) = Pe("features", "--checkpoint", checkpoint, "--config", config, "--native", "--dtype", "bf16",
            "--batch", "2", "--out", dir.File("out"), dir.File("in"));
        Assert.True(exit == 0, error);
        var a = ReadFeatures(dir.File("out", "a.safetensors"));
        var c = ReadFeatures(dir.File("out", "sub", "c.safetensors"));
        Assert.Equal([32, 3, 5], a["layer_2"].shape);
        Assert.Equal([32, 4, 2], c["layer_2"].shape);
        Assert.Equal(ScalarType.Float32, c["layer_2"].dtype);
        Assert.Equal([32], c["cls_2"].shape);
        Assert.True(File.Exists(dir.File("out", "b.safetensors")));
    }

    [Fact]
    public void Features_SecondRun_KeepsFilesOfTheSameSettings_RedoesChangedImagesAndOtherSettings()
    {
        using var dir = new TempDirectory();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 24);
        string checkpoint = dir.File("w.pt"), config = WriteConfig(dir, TinyModels.Spatial);
        backbone.Save(checkpoint);
        ImageFile.WriteRgb(dir.File("in", "a.png"), RandomImage(32, 32, 6));
        ImageFile.WriteRgb(dir.File("in", "b.png"), RandomImage(32, 32, 7));
        string[] run = ["features", "--checkpoint", checkpoint, "--config", config, "--out", dir.File("out"), dir.File("in")];
        string a = dir.File("out", "a.safetensors"), b = dir.File("out", "b.safetensors");

        var (exit, output, error) = Pe(run);
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 2 feature file(s)", output);
        var firstA = File.ReadAllBytes(a);
        var writtenAt = File.GetLastWriteTimeUtc(a);

        (exit, output, error) = Pe(run); // as after an interruption: nothing left to do
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 0 feature file(s)", output);
        Assert.Contains("2 kept (already written with these settings)", output);
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(a));

        ImageFile.WriteRgb(dir.File("in", "b.png"), RandomImage(32, 32, 8)); // a changed image is computed again
        File.SetLastWriteTimeUtc(dir.File("in", "b.png"), DateTime.UtcNow.AddMinutes(1));
        File.WriteAllText(a, "not safetensors"); // so is an unreadable output
        (exit, output, error) = Pe(run);
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 2 feature file(s)", output);
        Assert.Equal(firstA, File.ReadAllBytes(a));

        (exit, output, error) = Pe([.. run, "--layers", "0,-1"]); // other settings: every file again
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 2 feature file(s)", output);
        Assert.Equal(["cls_0", "cls_2", "layer_0", "layer_2"], ReadFeatures(b).Keys.Order());
    }

    [Fact]
    public void Features_UnreadableImage_ExitOneNamingTheFile_EarlierOutputsKept()
    {
        using var dir = new TempDirectory();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 23);
        string checkpoint = dir.File("w.pt"), config = WriteConfig(dir, TinyModels.Spatial);
        backbone.Save(checkpoint);
        ImageFile.WriteRgb(dir.File("in", "a.png"), RandomImage(32, 32, 5));
        File.WriteAllText(dir.File("in", "broken.jpg"), "not a jpeg");

        var (exit, _, error) = Pe("features", "--checkpoint", checkpoint, "--config", config, "--batch", "1", "--out", dir.File("out"), dir.File("in"));
        Assert.Equal(PeCli.UserError, exit);
        Assert.Contains(dir.File("in", "broken.jpg"), error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("pe: error:", StringComparison.Ordinal));
        Assert.True(File.Exists(dir.File("out", "a.safetensors")));
        Assert.Empty(Directory.GetFiles(dir.File("out"), "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Features_ImageSizeWithNative_BadUsage()
    {
        var (exit, _, error) = Pe("features", "--checkpoint", "x.pt", "--image-size", "64", "--native", "--out", "o", "a.png");
        Assert.Equal(PeCli.BadUsage, exit);
        Assert.Contains("--image-size and --native", error);
    }

    [Fact]
    public void Features_LayerOutOfRange_UserErrorNamingTheDepth()
    {
        using var dir = new TempDirectory();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 24);
        string checkpoint = dir.File("w.pt"), config = WriteConfig(dir, TinyModels.Spatial), image = dir.File("a.png");
        backbone.Save(checkpoint);
        ImageFile.WriteRgb(image, RandomImage(32, 32, 6));
        var (exit, _, error) = Pe("features", "--checkpoint", checkpoint, "--config", config, "--layers", "5", "--out", dir.File("out"), image);
        Assert.Equal(PeCli.UserError, exit);
        Assert.Contains("layer 5 is out of range for a model of 3 blocks", error);
    }

    [Fact]
    public void Info_NoArguments_TableOfReleasedConfigsWithParameterCounts()
    {
        var (exit, output, _) = Pe("info");
        Assert.Equal(0, exit);
        foreach (var config in PeConfigs.Released) Assert.Contains(config.Name, output);
        Assert.Contains("5,683,200", output);
        Assert.Contains("T 0.01B, S 0.02B, B 0.09B, L 0.32B, G 1.88B", output);
    }

    [Fact]
    public void Info_ConfigJson_HasTheContractFields()
    {
        var (exit, output, _) = Pe("info", "--config", "PE-Spatial-B16-512", "--json");
        Assert.Equal(0, exit);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("PE-Spatial-B16-512", json.GetProperty("name").GetString());
        Assert.Equal((16, 768, 12, 12, 512, 86_433_792L),
            (json.GetProperty("patch_size").GetInt32(), json.GetProperty("width").GetInt32(), json.GetProperty("layers").GetInt32(),
             json.GetProperty("heads").GetInt32(), json.GetProperty("image_size").GetInt32(), json.GetProperty("parameters").GetInt64()));
    }

    [Fact]
    public void Info_Checkpoint_ReportsTheMatch_MismatchIsAUserError()
    {
        using var dir = new TempDirectory();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Full, seed: 25);
        string checkpoint = dir.File("w.safetensors");
        backbone.Save(checkpoint, style: KeyStyle.Timm);
        var (exit, output, _) = Pe("info", "--checkpoint", checkpoint, "--config", WriteConfig(dir, TinyModels.Full));
        Assert.Equal(0, exit);
        Assert.Contains("timm names", output);
        Assert.Contains($"matched:     {TinyModels.Full.StateDictShapes().Count} of {TinyModels.Full.StateDictShapes().Count} tensors (exact match)", output);

        var (badExit, badOutput, error) = Pe("info", "--checkpoint", checkpoint, "--config", WriteConfig(dir, TinyModels.Spatial), "--json");
        Assert.Equal(PeCli.UserError, badExit);
        Assert.False(JsonDocument.Parse(badOutput).RootElement.GetProperty("checkpoint").GetProperty("exact_match").GetBoolean());
        Assert.Contains("does not match config tiny-spatial", error);
    }
}
