using System.Text.Json;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Model;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

/// <summary>PE-Spatial-T16-512 against the official class instantiated in Python (fixtures/pe_parity/real_config_keys.json).</summary>
public sealed class RealConfigTests
{
    private static JsonElement Reference() =>
        JsonDocument.Parse(File.ReadAllText(SharedData.Path("fixtures", "pe_parity", "real_config_keys.json"))).RootElement.GetProperty("PE-Spatial-T16-512");

    [SharedFact]
    public void SpatialT16_StateDict_HasExactlyTheOfficialKeysShapesAndParameterCount()
    {
        var reference = Reference();
        var expected = reference.GetProperty("state_dict").EnumerateArray()
            .Select(e => (Key: e[0].GetString()!, Shape: e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
        Assert.Equal(149, expected.Count);
        using var model = new VisionTransformer(PeConfigs.Get("PE-Spatial-T16-512"));
        var stateDict = model.state_dict();
        Assert.Equal(expected.Select(e => e.Key), stateDict.Keys);
        foreach (var (key, shape) in expected) Assert.Equal(shape, stateDict[key].shape);
        long parameters = stateDict.Values.Sum(t => t.NumberOfElements);
        Assert.Equal(reference.GetProperty("n_params").GetInt64(), parameters);
        Assert.Equal(5_683_200, parameters);
        Assert.Equal(5_683_200, PeConfigs.Get("PE-Spatial-T16-512").ParameterCount());
    }

    [SharedFact]
    public void SpatialT16_Forward_GivesTheOfficialOutputShapes()
    {
        var reference = Reference();
        long[] Shape(string name) => [.. reference.GetProperty(name).EnumerateArray().Select(d => d.GetInt64())];
        using var scope = NewDisposeScope();
        using var backbone = PeBackbone.CreateRandom(PeConfigs.Get("PE-Spatial-T16-512"), seed: 3);
        Assert.Equal(Shape("forward_out_shape_512x512"), backbone.Forward(zeros(1, 3, 512, 512)).shape);
        Assert.Equal(Shape("forward_out_shape_384x640"), backbone.Forward(zeros(1, 3, 384, 640)).shape);
        Assert.Equal(Shape("forward_features_layer5_strip_cls_shape"),
            backbone.ForwardFeatures(zeros(1, 3, 512, 512), layerIndex: 5, stripClassToken: true).shape);
    }
}
