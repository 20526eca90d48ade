using System.IO.Compression;
using System.Security.Cryptography;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Checkpoints;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

public sealed class CheckpointTests
{
    private static Dictionary<string, Tensor> StateDict(PeBackbone backbone) =>
        backbone.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static void AssertWeights(IReadOnlyDictionary<string, Tensor> expected, PeBackbone loaded, string what)
    {
        var actual = loaded.Model.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, value) in expected)
            Assert.True(TensorAssert.Identical(value.to(ScalarType.Float32), actual[key].to(ScalarType.Float32)), $"{what}: tensor {key} differs");
    }

    public static TheoryData<string> Variants() =>
    [
        "pt", "pt-state_dict", "pt-weights", "pt-module", "pt-visual-clip", "pt-module-visual", "safetensors", "safetensors-timm", "pt-timm",
    ];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Load_FormatAndNamingVariants_GiveIdenticalWeights(string variant)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = PeBackbone.CreateRandom(TinyModels.Full, seed: 11);
        var expected = StateDict(original);
        string path = dir.File($"weights-{variant}" + (variant.StartsWith("safetensors", StringComparison.Ordinal) ? ".safetensors" : ".pt"));
        switch (variant)
        {
            case "pt" or "safetensors": original.Save(path); break;
            case "pt-state_dict": PeCheckpoint.Save(original.Model, path, wrapper: "state_dict"); break;
            case "pt-weights": PeCheckpoint.Save(original.Model, path, wrapper: "weights"); break;
            case "pt-module": PeCheckpoint.Save(original.Model, path, prefix: "module."); break;
            case "pt-module-visual": PeCheckpoint.Save(original.Model, path, prefix: "module.visual."); break;
            case "safetensors-timm": original.Save(path, style: KeyStyle.Timm); break;
            case "pt-timm": original.Save(path, format: CheckpointFormat.TorchZip, style: KeyStyle.Timm); break;
            case "pt-visual-clip":
                // A CLIP checkpoint: the vision tower under visual., plus text-tower tensors that must be dropped.
                var clip = expected.Select(kv => new KeyValuePair<string, Tensor>("visual." + kv.Key, kv.Value)).ToList();
                clip.Add(new("token_embedding.weight", randn(10, 8)));
                clip.Add(new("transformer.resblocks.0.attn.in_proj_weight", randn(24, 8)));
                clip.Add(new("logit_scale", ones(1)));
                TorchZipWriter.Write(path, clip);
                break;
        }
        using var loaded = PeBackbone.Load(path, TinyModels.Full);
        AssertWeights(expected, loaded, variant);
        Assert.True(loaded.Checkpoint!.IsExactMatch);
        if (variant == "pt-visual-clip") Assert.Equal(3, loaded.Checkpoint.DroppedOtherTowers);
        if (variant.Contains("timm", StringComparison.Ordinal)) Assert.Equal(KeyStyle.Timm, loaded.Checkpoint.KeyStyle);
    }

    [Theory]
    [InlineData(ScalarType.Float16, ".pt")]
    [InlineData(ScalarType.BFloat16, ".pt")]
    [InlineData(ScalarType.Float16, ".safetensors")]
    [InlineData(ScalarType.BFloat16, ".safetensors")]
    public void Load_HalfPrecisionStorage_GivesTheStoredValuesExactly(ScalarType stored, string extension)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = PeBackbone.CreateRandom(TinyModels.Full, seed: 12);
        // The expected weights are the originals rounded to the stored dtype, then widened back (exact).
        var expected = StateDict(original).ToDictionary(kv => kv.Key, kv => kv.Value.to(stored).to(ScalarType.Float32));
        string path = dir.File("half" + extension);
        original.Save(path, storeAs: stored);
        using var loaded = PeBackbone.Load(path, TinyModels.Full);
        AssertWeights(expected, loaded, $"{stored}{extension}");
        Assert.Equal(stored, Assert.Single(loaded.Checkpoint!.StoredDTypes).Key);
    }

    [Fact]
    public void Load_Bf16Compute_ConvertsFloat32Weights()
    {
        using var dir = new TempDirectory();
        using var original = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 13);
        string path = dir.File("w.safetensors");
        original.Save(path);
        using var loaded = PeBackbone.Load(path, TinyModels.Spatial, ScalarType.BFloat16);
        Assert.All(loaded.Model.state_dict().Values, t => Assert.Equal(ScalarType.BFloat16, t.dtype));
        AssertWeights(StateDict(original).ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.BFloat16)), loaded, "bf16 compute");
    }

    [Fact]
    public void Load_WrongKeysAndShapes_OneErrorListingEveryProblem()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = PeBackbone.CreateRandom(TinyModels.Full, seed: 14);
        var tensors = StateDict(original);
        tensors.Remove("ln_pre.weight");
        tensors.Remove("transformer.resblocks.1.mlp.c_fc.bias");
        tensors["transformer.resblocks.0.attn.bias_k"] = zeros(32);
        tensors["proj"] = zeros(32, 8);
        tensors["conv1.weight"] = zeros(32, 3, 4, 4);
        string path = dir.File("bad.pt");
        TorchZipWriter.Write(path, tensors);
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path, TinyModels.Full));
        Assert.StartsWith(path, e.Message);
        foreach (string expected in new[]
        {
            "2 missing", "ln_pre.weight", "transformer.resblocks.1.mlp.c_fc.bias",
            "1 unexpected", "transformer.resblocks.0.attn.bias_k",
            "2 mismatched", "proj: file [32, 8], expected [32, 16]", "conv1.weight: file [32, 3, 4, 4], expected [32, 3, 8, 8]",
        })
            Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_ConfigFromFileNameThatDoesNotFit_ErrorSaysWhereTheConfigCameFrom()
    {
        using var dir = new TempDirectory();
        using var original = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 15);
        string path = dir.File("PE-Spatial-T16-512.safetensors");
        original.Save(path);
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path));
        Assert.Contains("config PE-Spatial-T16-512", e.Message);
        Assert.Contains("taken from the file name", e.Message);
    }

    [Fact]
    public void Load_NoConfig_InfersItFromTheTensorShapes()
    {
        using var dir = new TempDirectory();
        var config = TinyModels.Full with { Width = 128, Heads = 2, AttnPoolerHeads = 8, MlpRatio = 2.5, ImageSize = 40, PatchSize = 8 };
        using var original = PeBackbone.CreateRandom(config, seed: 16);
        string path = dir.File("weights.pt");
        original.Save(path);
        using var loaded = PeBackbone.Load(path);
        Assert.Equal(ConfigSource.TensorShapes, loaded.Checkpoint!.ConfigSource);
        Assert.Equal(config with { Name = "custom" }, loaded.Config);
        AssertWeights(StateDict(original), loaded, "inferred");
    }

    [Fact]
    public void Inspect_ReleasedShapesUnderAnotherName_InfersTheReleasedConfigWithItsHeads()
    {
        using var dir = new TempDirectory();
        using var original = PeBackbone.CreateRandom(PeConfigs.Get("PE-Spatial-T16-512"), seed: 17, ScalarType.BFloat16);
        string path = dir.File("my-weights.safetensors");
        original.Save(path, style: KeyStyle.Timm);
        var report = PeCheckpoint.Inspect(path);
        Assert.True(report.IsExactMatch);
        Assert.Equal(("PE-Spatial-T16-512", 3, ConfigSource.TensorShapes), (report.Config.Name, report.Config.Heads, report.ConfigSource));
    }

    [Fact]
    public void WeightsId_Checkpoint_IsSha256OfTheFile_RandomIsTheSeed()
    {
        using var dir = new TempDirectory();
        using var original = PeBackbone.CreateRandom(TinyModels.Spatial, seed: 18);
        Assert.Equal(("random:18", true), (original.WeightsId, original.IsRandom));
        string path = dir.File("w.pt");
        original.Save(path);
        using var loaded = PeBackbone.Load(path, TinyModels.Spatial);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), loaded.WeightsId);
        Assert.False(loaded.IsRandom);
    }

    [Fact]
    public void CreateRandom_SameSeedSameWeights_OtherSeedOthers()
    {
        using var a = PeBackbone.CreateRandom(TinyModels.Full, seed: 5);
        using var b = PeBackbone.CreateRandom(TinyModels.Full, seed: 5);
        using var c = PeBackbone.CreateRandom(TinyModels.Full, seed: 6);
        var sa = a.Model.state_dict();
        Assert.All(b.Model.state_dict(), kv => Assert.True(TensorAssert.Identical(kv.Value, sa[kv.Key]), kv.Key));
        Assert.False(TensorAssert.Identical(c.Model.state_dict()["transformer.resblocks.0.attn.in_proj_weight"], sa["transformer.resblocks.0.attn.in_proj_weight"]));
    }

    // ---- unreadable files: each gives one clear error naming the file ----

    [Theory]
    [InlineData(".pt")]
    [InlineData(".safetensors")]
    public void Load_TruncatedFile_ClearError(string extension)
    {
        using var dir = new TempDirectory();
        using var original = PeBackbone.CreateRandom(TinyModels.Full, seed: 19);
        string full = dir.File("full" + extension), cut = dir.File("cut" + extension);
        original.Save(full);
        byte[] bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(cut, TinyModels.Full));
        Assert.StartsWith(cut, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Load_TextFile_ClearError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("notes.pt");
        File.WriteAllText(path, "these are not weights\n");
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path, TinyModels.Full));
        Assert.Equal($"{path}: a text file, not a checkpoint (expected a torch .pt/.pth zip or a .safetensors file).", e.Message);
    }

    [Fact]
    public void Load_LegacyTorchFormat_ClearError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("old.pth");
        // torch.save(..., _use_new_zipfile_serialization=False) starts with the pickled magic number 0x1950a86a20f9469cfc6c.
        byte[] legacy = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 0x02, 0x4d, 0xe9, 0x03];
        File.WriteAllBytes(path, legacy);
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path, TinyModels.Full));
        Assert.StartsWith(path, e.Message);
        Assert.Contains("legacy (pre-1.6, non-zip) torch.save file", e.Message);
    }

    [Fact]
    public void Load_EmptyFile_ClearError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.pt");
        File.WriteAllBytes(path, []);
        Assert.Equal($"{path}: empty file, not a checkpoint.", Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path)).Message);
    }

    [Fact]
    public void Load_ZipWithoutPickle_ClearError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("archive.pt");
        WriteZip(path, ("readme.txt", "hello"u8.ToArray()));
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path));
        Assert.Contains("not a torch checkpoint", e.Message);
    }

    [Fact]
    public void Load_PickleCallingAnArbitraryGlobal_IsRefusedWithoutRunningIt()
    {
        using var dir = new TempDirectory();
        string path = dir.File("evil.pt");
        // pickle protocol 2 of os.system("touch pwned")
        byte[] pickle = [0x80, 0x02, .. "cos\nsystem\n"u8, .. "X"u8, 11, 0, 0, 0, .. "touch pwned"u8, 0x85, .. "R."u8];
        WriteZip(path, ("archive/data.pkl", pickle), ("archive/version", "3\n"u8.ToArray()));
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path));
        Assert.Contains("os.system", e.Message);
        Assert.Contains("refusing", e.Message);
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "pwned")));
    }

    [Fact]
    public void Load_PickleOfNonTensorValues_ClearError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("config.pt");
        // {"epoch": 3}
        byte[] pickle = [0x80, 0x02, .. "}"u8, .. "X"u8, 5, 0, 0, 0, .. "epoch"u8, .. "K"u8, 3, .. "s."u8];
        WriteZip(path, ("archive/data.pkl", pickle));
        var e = Assert.Throws<InvalidDataException>(() => PeBackbone.Load(path));
        Assert.Contains("entry epoch is the number 3", e.Message);
    }

    [Fact]
    public void Load_MissingFile_FileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => PeBackbone.Load("/nonexistent/x.pt"));
        Assert.Contains("/nonexistent/x.pt", e.Message);
    }

    private static void WriteZip(string path, params (string Name, byte[] Content)[] entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(content);
        }
    }

    [SharedFact]
    public void TorchZipWriter_RoundTripsTheOfficialFixtureFileExactly()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string official = PeParityFixture.StateDictPath("tiny_core");
        using var fromOfficial = PeBackbone.Load(official, PeParityFixture.Config("tiny_core"));
        string path = dir.File("copy.pt");
        fromOfficial.Save(path);
        using var a = CheckpointFile.Open(official);
        using var b = CheckpointFile.Open(path);
        Assert.Equal(a.Tensors.Select(t => t.Name), b.Tensors.Select(t => t.Name));
        foreach (var (ta, tb) in a.Tensors.Zip(b.Tensors))
            Assert.True(TensorAssert.Identical(ta.Load(), tb.Load()), ta.Name);
    }
}
