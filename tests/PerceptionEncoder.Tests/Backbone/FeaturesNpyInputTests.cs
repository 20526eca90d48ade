using System.Buffers.Binary;
using System.Text;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using PerceptionEncoder.Tests.Cli;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

/// <summary>
/// <c>pe features</c> on already-preprocessed <c>.npy</c> inputs: end to end against the official implementation's
/// reference tensors (../shared/fixtures/pe_parity), and the errors for arrays that are not a preprocessed image.
/// </summary>
public sealed class FeaturesNpyInputTests
{
    private static (int Exit, string Output, string Error) Pe(params string[] args) => InProcessPe.Run(["--threads", "2", .. args]);

    private static void WriteNpy(string path, Tensor x, params int[] shape) =>
        Npy.WriteFloat32(path, x.contiguous().data<float>().ToArray(), shape);

    /// <summary>A .npy with any dtype descriptor and raw data (for dtypes <see cref="Npy"/> does not write).</summary>
    private static void WriteRawNpy(string path, string descr, string shape, byte[] data)
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        bytes.AddRange(length);
        bytes.AddRange(Encoding.Latin1.GetBytes(header));
        bytes.AddRange(data);
        File.WriteAllBytes(path, [.. bytes]);
    }

    [SharedTheory]
    [MemberData(nameof(PeParityFixture.Cases), MemberType = typeof(PeParityFixture))]
    public void Features_FixtureInputsAsNpy_EveryLayerAndClassTokenMatchOfficialWithinStrictTolerance(string model, string input)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var x = PeParityFixture.Input(input); // [2, 3, H, W]
        int height = (int)x.shape[2], width = (int)x.shape[3];
        // One batch element per file: the first as [3, H, W], the second as [1, 3, H, W]; a folder input takes both.
        WriteNpy(dir.File("in", "image0.npy"), x[0], 3, height, width);
        WriteNpy(dir.File("in", "image1.npy"), x[1], 1, 3, height, width);
        string config = dir.File($"{model}.json");
        File.WriteAllText(config, PeParityFixture.ConfigJson(model));

        var (exit, output, error) = Pe("features", "--checkpoint", PeParityFixture.StateDictPath(model), "--config", config,
            "--layers", "0,1,2,3", "--batch", "2", "--out", dir.File("out"), dir.File("in"));
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 2 feature file(s)", output);

        var parity = PeParityFixture.Config(model);
        var reference = PeParityFixture.Activations(model, input);
        var (rows, columns) = parity.Grid(height, width);
        int prefix = parity.PrefixTokens;
        for (int b = 0; b < 2; b++)
        {
            var (stored, metadata) = SafetensorsFormat.Read(dir.File("out", $"image{b}.safetensors"));
            var written = stored.ToDictionary(t => t.Name, t => t.Load());
            string[] expectedNames = [.. Enumerable.Range(0, 4).SelectMany(k => parity.UseClsToken ? new[] { $"layer_{k}", $"cls_{k}" } : [$"layer_{k}"])];
            Assert.Equal(expectedNames.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
            Assert.Equal($"{width}x{height}", metadata["image_size"]);
            for (int k = 0; k < 4; k++)
            {
                var tokens = reference[$"layer{k}_tokens"][b]; // [T, C]
                var expectedMap = tokens.narrow(0, prefix, rows * columns).reshape(rows, columns, parity.Width).permute(2, 0, 1); // [N, C] -> [C, h, w]
                Assert.Equal(ScalarType.Float32, written[$"layer_{k}"].dtype);
                TensorAssert.Close(expectedMap, written[$"layer_{k}"], $"{model}/{input}/image{b}/layer_{k}");
                if (parity.UseClsToken) TensorAssert.Close(tokens[0], written[$"cls_{k}"], $"{model}/{input}/image{b}/cls_{k}"); // [C]
            }
        }
    }

    public static TheoryData<string, string> BadArrays() => new()
    {
        { "float64", "dtype '<f8', expected float32" },
        { "uint8", "dtype '|u1', expected float32" },
        { "channels-last", "shape [32, 32, 3], expected a preprocessed image [3, H, W] or [1, 3, H, W]" },
        { "rank-2", "shape [32, 32], expected a preprocessed image" },
        { "batch-of-2", "shape [2, 3, 32, 32], expected a preprocessed image" },
        { "not-patch-multiple", "a preprocessed input of 30x32 (HxW) is not resized; H and W must be positive multiples of the 8-pixel patch" },
        { "pixels-0-255", "outside [-1, 1]" },
    };

    [Theory]
    [MemberData(nameof(BadArrays))]
    public void Features_NpyNotAPreprocessedImage_UserErrorNamingTheFile(string kind, string expectedMessage)
    {
        using var dir = new TempDirectory();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 31);
        string checkpoint = dir.File("w.pt"), config = dir.File("tiny.json"), bad = dir.File("in", kind + ".npy");
        backbone.Save(checkpoint);
        File.WriteAllText(config, PeConfigJson.Serialize(TinyModels.Spatial));
        Directory.CreateDirectory(dir.File("in"));
        switch (kind)
        {
            case "float64":
                WriteRawNpy(bad, "<f8", "(3, 32, 32)", new byte[3 * 32 * 32 * 8]);
                break;
            case "uint8":
                WriteRawNpy(bad, "|u1", "(3, 32, 32)", new byte[3 * 32 * 32]);
                break;
            case "channels-last":
                Npy.WriteFloat32(bad, new float[32 * 32 * 3], 32, 32, 3);
                break;
            case "rank-2":
                Npy.WriteFloat32(bad, new float[32 * 32], 32, 32);
                break;
            case "batch-of-2":
                Npy.WriteFloat32(bad, new float[2 * 3 * 32 * 32], 2, 3, 32, 32);
                break;
            case "not-patch-multiple":
                Npy.WriteFloat32(bad, new float[3 * 30 * 32], 3, 30, 32);
                break;
            case "pixels-0-255":
                Npy.WriteFloat32(bad, Enumerable.Repeat(128f, 3 * 32 * 32).ToArray(), 3, 32, 32);
                break;
        }

        var (exit, _, error) = Pe("features", "--checkpoint", checkpoint, "--config", config, "--out", dir.File("out"), bad);
        Assert.Equal(PeCli.UserError, exit);
        Assert.Contains(bad, error);
        Assert.Contains(expectedMessage, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("pe: error:", StringComparison.Ordinal));
        Assert.False(Directory.Exists(dir.File("out")) && Directory.EnumerateFiles(dir.File("out"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public void Features_ImagesAndNpyInOneFolder_NpyIsNotResizedAndMatchesTheLibrary()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var backbone = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 32);
        string checkpoint = dir.File("w.pt"), config = dir.File("tiny.json");
        backbone.Save(checkpoint);
        File.WriteAllText(config, PeConfigJson.Serialize(TinyModels.Spatial));
        var pixels = new byte[40 * 24 * 3];
        new Random(7).NextBytes(pixels);
        ImageFile.WriteRgb(dir.File("in", "a.png"), new RgbImage(40, 24, pixels));
        var x = rand(3, 16, 40, generator: new Generator(5)) * 2 - 1; // [3, H, W] in [-1, 1], not the model's 32x32
        WriteNpy(dir.File("in", "sub", "b.npy"), x, 3, 16, 40);

        var (exit, _, error) = Pe("features", "--checkpoint", checkpoint, "--config", config, "--out", dir.File("out"), dir.File("in"));
        Assert.True(exit == 0, error);
        var (stored, metadata) = SafetensorsFormat.Read(dir.File("out", "sub", "b.safetensors"));
        var written = stored.Single(t => t.Name == "layer_2").Load();
        Assert.Equal([32, 2, 5], written.shape);
        Assert.Equal("none (preprocessed .npy input)", metadata["preprocess"]);
        using var maps = backbone.Extract(x.unsqueeze(0), [2]);
        TensorAssert.Close(maps[2][0], written, "b.npy layer_2", atol: 1e-6, rtol: 1e-6);
        Assert.Equal([32, 4, 4], SafetensorsFormat.Read(dir.File("out", "a.safetensors")).Tensors.Single(t => t.Name == "layer_2").Load().shape);
    }

    [Fact]
    public void ReadFloat32Only_FourDimensionalFloat32_ReadsValuesAndShape_Float64IsRefused()
    {
        using var dir = new TempDirectory();
        float[] values = [.. Enumerable.Range(0, 2 * 3 * 2 * 2).Select(i => i * 0.25f - 1)];
        Npy.WriteFloat32(dir.File("a.npy"), values, 2, 3, 2, 2);
        var (data, shape) = Npy.ReadFloat32Only(dir.File("a.npy"));
        Assert.Equal([2, 3, 2, 2], shape);
        Assert.Equal(values, data);

        WriteRawNpy(dir.File("b.npy"), "<f8", "(2,)", new byte[16]);
        Assert.Equal(2, Npy.ReadFloat32(dir.File("b.npy")).Data.Length); // the converting reader still takes it
        var e = Assert.Throws<InvalidDataException>(() => Npy.ReadFloat32Only(dir.File("b.npy")));
        Assert.Contains(dir.File("b.npy"), e.Message);
        Assert.Contains("'<f8'", e.Message);
    }
}
