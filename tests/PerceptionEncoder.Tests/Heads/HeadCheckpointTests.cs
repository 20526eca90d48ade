using System.Text.Json.Nodes;
using PerceptionEncoder.Heads;
using PerceptionEncoder.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Heads;

public sealed class HeadCheckpointTests
{
    private static readonly BackboneSpec Backbone = new("PE-Spatial-T16-512", "sha256:abc", 16, 192, 12, true, false);

    private static HeadMetadata Metadata(BackboneSpec backbone) => new()
    {
        Task = "toy",
        Head = new JsonObject { ["channels"] = 4 },
        Layers = [11],
        Backbone = backbone,
        Input = new HeadInput("squash", 512),
        Categories = [new HeadCategory(17, "cat"), new HeadCategory(75, "remote")],
    };

    [Fact]
    public void SaveThenLoad_RestoresWeightsAndMetadataExactly()
    {
        using var dir = new TempDirectory();
        using var saved = new ConvHead(seed: 1);
        HeadCheckpoint.Save(dir.Path, saved, Metadata(Backbone));

        using var loaded = new ConvHead(seed: 2);
        HeadCheckpoint.LoadWeights(dir.Path, loaded);
        var metadata = HeadCheckpoint.ReadMetadata(dir.Path);

        foreach (var (a, b) in saved.Module.parameters().Zip(loaded.Module.parameters()))
            Assert.True(a.eq(b).all().item<bool>());
        Assert.Equal(Backbone, metadata.Backbone);
        Assert.Equal([17, 75], metadata.Categories!.Select(c => c.Id));
        Assert.Equal("remote", metadata.Categories![1].Name);
        Assert.Equal(new HeadInput("squash", 512), metadata.Input);
        Assert.True(File.Exists(dir.File(HeadCheckpoint.MetadataFileName)));
    }

    [Fact]
    public void LoadWeights_IntoAnotherArchitecture_ListsEveryMismatch()
    {
        using var dir = new TempDirectory();
        using var saved = new ConvHead(seed: 1);
        HeadCheckpoint.Save(dir.Path, saved, Metadata(Backbone));
        using var other = new ConvHead(seed: 1, outChannels: 3);
        var e = Assert.Throws<InvalidDataException>(() => HeadCheckpoint.LoadWeights(dir.Path, other));
        Assert.Contains(HeadCheckpoint.WeightsFileName, e.Message);
        Assert.Contains("weight has shape [4, 8, 1, 1], expected [3, 8, 1, 1]", e.Message);
        Assert.Contains("bias has shape [4], expected [3]", e.Message);
    }

    [Fact]
    public void EnsureSameAs_AnotherBackbone_IsRefusedWithBothNamed()
    {
        var other = Backbone with { Name = "PE-Spatial-B16-512", WeightsId = "sha256:def", Width = 768 };
        var e = Assert.Throws<InvalidDataException>(() => Backbone.EnsureSameAs(other, "heads/det/head.safetensors"));
        Assert.Contains("heads/det/head.safetensors", e.Message);
        Assert.Contains("PE-Spatial-T16-512", e.Message);
        Assert.Contains("PE-Spatial-B16-512", e.Message);
    }

    [Fact]
    public void ReadMetadata_PlainSafetensorsWithoutHeadMetadata_IsRefused()
    {
        using var dir = new TempDirectory();
        using var t = zeros(2);
        PerceptionEncoder.Backbone.Checkpoints.SafetensorsFormat.Write(dir.File("x.safetensors"), [new("a", t)]);
        var e = Assert.Throws<InvalidDataException>(() => HeadCheckpoint.ReadMetadata(dir.File("x.safetensors")));
        Assert.Contains("not a head checkpoint", e.Message);
    }

    [Fact]
    public void ReadMetadata_MissingFolder_NamesIt()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => HeadCheckpoint.ReadMetadata(dir.Path));
        Assert.Contains(dir.Path, e.Message);
    }

    private sealed class ConvHead : IDenseHead
    {
        private readonly nn.Module<Tensor, Tensor> _conv;

        public ConvHead(int seed, int outChannels = 4)
        {
            torch.manual_seed(seed);
            _conv = nn.Conv2d(8, outChannels, 1);
        }

        public string Task => "toy";
        public IReadOnlyList<int> Layers { get; } = [11];
        public nn.Module Module => _conv;
        public JsonObject Config => new() { ["channels"] = 4 };
        public void Dispose() => _conv.Dispose();
    }
}
