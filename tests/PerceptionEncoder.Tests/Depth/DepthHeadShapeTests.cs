using System.Text.Json.Nodes;
using PerceptionEncoder.Heads.Depth;
using PerceptionEncoder.Heads.Depth.Dpt;
using PerceptionEncoder.Heads.Depth.Linear;
using PerceptionEncoder.Heads.Depth.Readout;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Depth;

public sealed class DepthHeadShapeTests
{
    public static TheoryData<int, string> PatchesAndOutputs => new()
    {
        { 14, "regression" }, { 16, "regression" }, { 14, "bins" }, { 16, "bins" },
    };

    private static DepthOutput OutputOf(string kind) =>
        kind == "bins" ? new DepthOutput { Kind = DepthOutputKind.Bins, Bins = 16 } : DepthOutput.Regression;

    [Theory]
    [MemberData(nameof(PatchesAndOutputs))]
    public void DptForward_Patch14And16OddGrid_GivesDepthAtInputResolution(int patch, string output)
    {
        var spec = DepthTestData.Spec(patch);
        manual_seed(1);
        using var head = new DptDepthConfig { Features = 32, Output = OutputOf(output) }.Create(spec);
        Assert.Equal([2, 5, 8, 11], ((DptDepthHead)head).Taps);
        using var features = DepthTestData.RandomFeatures(spec, head.Layers, batch: 2, h: 5, w: 7);
        using var depth = head.Forward(features);
        Assert.Equal(new long[] { 2, 1, 5 * patch, 7 * patch }, depth.shape);
        Assert.True(depth.isfinite().all().item<bool>());
        Assert.True(depth.min().item<float>() >= DepthRange.Nyu.Min);
    }

    [Theory]
    [MemberData(nameof(PatchesAndOutputs))]
    public void LinearForward_Patch14And16FourLayersWithClassToken_GivesDepthAtInputResolution(int patch, string output)
    {
        var spec = DepthTestData.Spec(patch);
        manual_seed(1);
        using var head = new LinearDepthConfig { Layers = [2, 5, 8, -1], Output = OutputOf(output) }.Create(spec);
        Assert.Equal(4 * 2 * spec.Width, ((LinearDepthHead)head).InputChannels);
        using var features = DepthTestData.RandomFeatures(spec, head.Layers, batch: 2, h: 5, w: 7);
        using var depth = head.Forward(features);
        Assert.Equal(new long[] { 2, 1, 5 * patch, 7 * patch }, depth.shape);
    }

    [Fact]
    public void DptForward_BackboneWithoutClassTokenOrFourBlocks_Works()
    {
        var spec = DepthTestData.Spec(16, depth: 2, classToken: false);
        using var head = new DptDepthConfig { Features = 32 }.Create(spec);
        Assert.Equal([0, 0, 0, 1], ((DptDepthHead)head).Taps);
        Assert.Equal([0, 1], head.Layers);
        Assert.Equal("ignore", head.Config["readout"]!.GetValue<string>());
        using var features = DepthTestData.RandomFeatures(spec, head.Layers, batch: 1, h: 3, w: 3);
        using var depth = head.Forward(features);
        Assert.Equal(new long[] { 1, 1, 48, 48 }, depth.shape);
    }

    [Fact]
    public void Predict_ClampsToTheRange()
    {
        var spec = DepthTestData.Spec(16, classToken: false);
        using var head = new LinearDepthConfig().Create(spec);
        using (no_grad())
            foreach (var p in head.parameters()) p.fill_(50f);
        using var features = DepthTestData.RandomFeatures(spec, head.Layers, 1, 2, 2);
        using var _ = no_grad();
        using var raw = head.Forward(features);
        using var predicted = head.Predict(features);
        Assert.True(raw.max().item<float>() > 10);
        Assert.Equal(10f, predicted.max().item<float>());
    }

    [Fact]
    public void Forward_FeaturesMissingALayer_IsRejectedNamingIt()
    {
        var spec = DepthTestData.Spec(16);
        using var head = new LinearDepthConfig { Layers = [3] }.Create(spec);
        using var features = DepthTestData.RandomFeatures(spec, [4], 1, 2, 2);
        var e = Assert.Throws<InvalidDataException>(() => head.Forward(features));
        Assert.Contains("layer 3", e.Message);
    }

    [Fact]
    public void Forward_FeaturesOfAnotherWidth_AreRejected()
    {
        using var head = new LinearDepthConfig().Create(DepthTestData.Spec(16, width: 32));
        using var features = DepthTestData.RandomFeatures(DepthTestData.Spec(16, width: 48), [11], 1, 2, 2);
        var e = Assert.Throws<InvalidDataException>(() => head.Forward(features));
        Assert.Contains("[B, 32, h, w]", e.Message);
    }

    [Fact]
    public void FromConfig_RoundTripsThroughJson_ToTheSameHeadAndConfig()
    {
        var spec = DepthTestData.Spec(14);
        using var head = new DptDepthConfig
        {
            Features = 32,
            Output = new DepthOutput { Kind = DepthOutputKind.Bins, Bins = 8, Spacing = BinSpacing.Log },
        }.Create(spec);
        var json = JsonNode.Parse(head.Config.ToJsonString())!.AsObject();
        Assert.Equal("dpt", json["kind"]!.GetValue<string>());
        Assert.Equal("log", json["output"]!["spacing"]!.GetValue<string>());
        using var rebuilt = DepthHead.FromConfig(json, spec);
        Assert.True(JsonNode.DeepEquals(head.Config, rebuilt.Config));
        Assert.Equal(head.parameters().Select(p => p.shape), rebuilt.parameters().Select(p => p.shape));
    }

    [Fact]
    public void FromConfig_NotADepthConfig_IsRejected()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            DepthHead.FromConfig(new JsonObject { ["kind"] = "fpn" }, DepthTestData.Spec(16)));
        Assert.Contains("not a depth head config", e.Message);
    }

    [Fact]
    public void Config_LayerOutsideTheBackbone_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new LinearDepthConfig { Layers = [12] }.Create(DepthTestData.Spec(16)));
        Assert.Contains("12 blocks", e.Message);
    }

    [Theory]
    [InlineData(8, null, "features must be a positive multiple of 32 (got 8)")]
    [InlineData(48, null, "features must be a positive multiple of 32 (got 48)")]
    [InlineData(64, new[] { 16, 24, 64, 64 }, "reassemble_channels must be four positive multiples of 16 (got [16, 24, 64, 64])")]
    public void DptConfig_ChannelsTheCpuConvolutionsGetWrong_AreRejected(int features, int[]? reassemble, string message)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new DptDepthConfig { Features = features, ReassembleChannels = reassemble }.Create(DepthTestData.Spec(16)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void BinCentres_LinearAndLog_SpanTheRangeAsDocumented()
    {
        var range = DepthRange.Nyu;
        using var linear = DepthReadout.BinCentres(new DepthOutput { Kind = DepthOutputKind.Bins, Bins = 256 }, range);
        Assert.Equal(0.001f, linear[0].item<float>(), 6);
        Assert.Equal(10f, linear[255].item<float>(), 5);
        Assert.Equal((10 - 0.001) / 255, (linear[1] - linear[0]).item<float>(), 5);
        using var log = DepthReadout.BinCentres(new DepthOutput { Kind = DepthOutputKind.Bins, Bins = 3, Spacing = BinSpacing.Log }, range);
        Assert.Equal(new[] { 0.1f, 1f, 10f }, log.data<float>().ToArray().Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void Readout_BinsWithOneDominantLogit_GivesThatBinsCentre()
    {
        var output = new DepthOutput { Kind = DepthOutputKind.Bins, Bins = 3, Spacing = BinSpacing.Log, Normalization = BinNormalization.Softmax };
        using var logits = tensor(new float[] { 0, 100, 0 }).reshape(1, 3, 1, 1);
        using var depth = DepthReadout.Apply(logits, output, DepthRange.Nyu);
        Assert.Equal(1f, depth.item<float>(), 4);
    }

    [Fact]
    public void Readout_LinearNormalization_WeighsRectifiedLogitsPlusEpsilon()
    {
        // Weights (relu(l) + 0.1) / Σ: logits [−1, 0.9, 1.9] → [0.1, 1, 2] / 3.1 over centres [0.001, 5.0005, 10].
        var output = new DepthOutput { Kind = DepthOutputKind.Bins, Bins = 3 };
        using var logits = tensor(new float[] { -1, 0.9f, 1.9f }).reshape(1, 3, 1, 1);
        using var depth = DepthReadout.Apply(logits, output, DepthRange.Nyu);
        Assert.Equal((0.1 * 0.001 + 1 * 5.0005 + 2 * 10) / 3.1, depth.item<float>(), 4);
    }

    [Fact]
    public void Readout_RegressionAtInitialBias_PredictsThreeMetresOnNyu()
    {
        using var logits = full(1, 1, 1, 1, DepthReadout.InitialRegressionBias(DepthRange.Nyu));
        using var depth = DepthReadout.Apply(logits, DepthOutput.Regression, DepthRange.Nyu);
        Assert.Equal(3f, depth.item<float>(), 4);
    }
}
