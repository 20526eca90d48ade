using PerceptionEncoder.Backbone;
using PerceptionEncoder.Backbone.Model;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Backbone;

public sealed class ConfigTests
{
    /// <summary>
    /// The parameter count written out by hand from the module tree (PE_ARCHITECTURE §1.2), independently of
    /// <see cref="PeConfig.StateDictShapes"/>.
    /// </summary>
    private static long ClosedFormParameters(PeConfig c)
    {
        long w = c.Width, h = (long)(c.Width * c.MlpRatio), g = c.ImageSize / c.PatchSize, cls = c.UseClsToken ? 1 : 0;
        long total = cls * w + (c.UseAbsPosemb ? (cls + g * g) * w : 0) + w * (c.OutputDim ?? 0) + w * 3 * c.PatchSize * c.PatchSize
            + (c.UseLnPre ? 2 * w : 0) + (c.UseLnPost ? 2 * w : 0);
        long block = (3 * w * w + 3 * w) + (w * w + w) + (c.LsInitValue != null ? 2 * w : 0) + 4 * w + (h * w + h) + (w * h + w);
        total += c.Layers * block;
        if (c.PoolType == PoolType.Attn) total += w + (4 * w * w + 4 * w) + 2 * w + (4 * w * w + 4 * w) + (4 * w * w + w);
        return total;
    }

    public static TheoryData<string> ReleasedNames() => [.. PeConfigs.Released.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(ReleasedNames))]
    public void ParameterCount_ReleasedConfig_EqualsClosedFormOfItsShapes(string name)
    {
        var config = PeConfigs.Get(name);
        Assert.Equal(ClosedFormParameters(config), config.ParameterCount());
    }

    [Theory]
    [InlineData("PE-Spatial-T16-512")]
    [InlineData("PE-Spatial-S16-512")]
    [InlineData("PE-Core-T16-384")]
    [InlineData("PE-Core-S16-384")]
    public void ParameterCount_SmallReleasedConfig_EqualsInstantiatedModel(string name)
    {
        var config = PeConfigs.Get(name);
        using var model = new VisionTransformer(config);
        var stateDict = model.state_dict();
        Assert.Equal(config.StateDictShapes().Select(s => s.Key), stateDict.Keys);
        Assert.Equal(config.ParameterCount(), stateDict.Values.Sum(t => t.NumberOfElements));
    }

    /// <summary>The README's sizes (T 0.01B, S 0.02B, B 0.09B, L 0.32B, G 1.88B) are those of the PE-Core towers.</summary>
    [Theory]
    [InlineData("PE-Core-T16-384", 0.01)]
    [InlineData("PE-Core-S16-384", 0.02)]
    [InlineData("PE-Core-B16-224", 0.09)]
    [InlineData("PE-Core-L14-336", 0.32)]
    [InlineData("PE-Core-G14-448", 1.88)]
    public void ParameterCount_CoreConfigs_MatchReadmeFigures(string name, double billions) =>
        Assert.Equal(billions, Math.Round(PeConfigs.Get(name).ParameterCount() / 1e9, 2));

    [Fact]
    public void Registry_TwelveReleasedConfigs_WithTheOfficialTableValues()
    {
        Assert.Equal(12, PeConfigs.Released.Count);
        var g = PeConfigs.Get("PE-Spatial-G14-448");
        Assert.Equal((14, 448, 1536, 50, 16, 8960, false, 0.1, false, PoolType.None, (int?)null),
            (g.PatchSize, g.ImageSize, g.Width, g.Layers, g.Heads, g.MlpWidth, g.UseClsToken, g.LsInitValue, g.UseLnPost, g.PoolType, g.OutputDim));
        var langL = PeConfigs.Get("pe-lang-l14-448");
        Assert.Equal((23, 0.1, true, 448), (langL.Layers, langL.LsInitValue, langL.UseClsToken, langL.ImageSize));
        var coreB = PeConfigs.Get("PE-Core-B16-224");
        Assert.Equal((PoolType.Attn, 1024, true, 8), (coreB.PoolType, coreB.OutputDim, coreB.UseLnPost, coreB.AttnPoolerHeads));
    }

    [Fact]
    public void Registry_TilingAlias_SharesTheTowerAndKeepsItsName()
    {
        var tiling = PeConfigs.Get("PE-Lang-G14-448-Tiling");
        Assert.Equal("PE-Lang-G14-448-Tiling", tiling.Name);
        Assert.Equal(PeConfigs.Get("PE-Lang-G14-448") with { Name = "x" }, tiling with { Name = "x" });
    }

    [Theory]
    [InlineData("/models/PE-Spatial-B16-512.pt", "PE-Spatial-B16-512")]
    [InlineData("x/pe-lang-g14-448-tiling.safetensors", "PE-Lang-G14-448-Tiling")]
    [InlineData("PE-Lang-G14-448.pt", "PE-Lang-G14-448")]
    public void FromFileName_ReleasedNameInFileName_LongestWins(string path, string expected) =>
        Assert.Equal(expected, PeConfigs.FromFileName(path)!.Name);

    [Fact]
    public void FromFileName_NoReleasedName_Null() => Assert.Null(PeConfigs.FromFileName("weights.pt"));

    [Fact]
    public void Json_RoundTrip_KeepsEveryField()
    {
        var config = PeConfigs.Get("PE-Core-G14-448") with { LsInitValue = 0.25, UseAbsPosemb = false, PoolType = PoolType.Avg };
        var back = PeConfigJson.Parse(PeConfigJson.Serialize(config));
        Assert.Equal(config, back);
        Assert.Equal(8960, back.MlpWidth);
    }

    [Fact]
    public void Json_OfficialDefaults_AppliedForOmittedKeys()
    {
        var config = PeConfigJson.Parse("""{"patch_size": 16, "width": 256, "layers": 2, "heads": 4, "mlp_ratio": 4.0}""");
        Assert.Equal((448, false, true, true, (double?)null, true, true, PoolType.Attn, 8, (int?)1280),
            (config.ImageSize, config.UseClsToken, config.UseAbsPosemb, config.UseRope2d, config.LsInitValue, config.UseLnPre,
             config.UseLnPost, config.PoolType, config.AttnPoolerHeads, config.OutputDim));
    }

    [Theory]
    [InlineData("""{"patch_size": 16, "width": 64, "layers": 2, "heads": 4, "mlp_ratio": 4, "widht": 3}""", "unknown key \"widht\"")]
    [InlineData("""{"patch_size": 16, "width": "64", "layers": 2, "heads": 4, "mlp_ratio": 4}""", "\"width\" must be an integer (got \"64\")")]
    [InlineData("""{"patch_size": 16, "width": 64, "layers": 2, "heads": 4}""", "required key \"mlp_ratio\" is missing")]
    [InlineData("""{"patch_size": 16, "width": 64, "layers": 2, "heads": 5, "mlp_ratio": 4}""", "width 64 must be divisible by heads 5")]
    [InlineData("""{"patch_size": 16, "width": 48, "layers": 2, "heads": 8, "mlp_ratio": 4}""", "head dimension (width/heads = 6) divisible by 4")]
    [InlineData("""{"patch_size": 16, "width": 64, "layers": 2, "heads": 4, "mlp_ratio": 4, "pool_type": "max"}""", "\"pool_type\" must be one of attn, tok, avg, none")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"patch_size": 16,""", "not valid JSON")]
    public void Json_BadConfig_ClearErrorNamingSourceAndKey(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => PeConfigJson.Parse(json, "cfg.json"));
        Assert.StartsWith("cfg.json:", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Resolve_JsonFile_ReadsItAndNamesItAfterTheFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tiny.json");
        File.WriteAllText(path, """{"patch_size": 8, "width": 32, "layers": 2, "heads": 2, "mlp_ratio": 2.0, "image_size": 32, "output_dim": null, "pool_type": "none"}""");
        var config = PeConfigs.Resolve(path);
        Assert.Equal(("tiny", 8, 32, (int?)null, PoolType.None), (config.Name, config.PatchSize, config.Width, config.OutputDim, config.PoolType));
    }

    [Fact]
    public void Resolve_UnknownName_ListsTheReleasedNames()
    {
        var e = Assert.Throws<InvalidDataException>(() => PeConfigs.Resolve("PE-Spatial-X99"));
        Assert.Contains("PE-Spatial-T16-512", e.Message);
    }
}
