using System.Text.Json.Serialization;
using PerceptionEncoder.Heads.Detection.Pyramid;

namespace PerceptionEncoder.Heads.Detection.Fcos;

/// <summary>Everything that defines an (untrained) FCOS detector on a simple feature pyramid; stored in head checkpoints.</summary>
public sealed record FcosConfig
{
    /// <summary>0-based backbone blocks whose maps are concatenated into the pyramid's input.</summary>
    [JsonPropertyName("layers")] public required IReadOnlyList<int> Layers { get; init; }

    /// <summary>Channels C of each backbone map.</summary>
    [JsonPropertyName("backbone_width")] public required int BackboneWidth { get; init; }

    /// <summary>The backbone's patch: the stride of its maps in pixels.</summary>
    [JsonPropertyName("patch_size")] public required int PatchSize { get; init; }

    /// <summary>K, the number of categories.</summary>
    [JsonPropertyName("num_classes")] public required int NumClasses { get; init; }

    /// <summary>Channels of the pyramid levels and the head towers; a multiple of 16.</summary>
    [JsonPropertyName("channels")] public int Channels { get; init; } = 128;

    /// <summary>Pyramid levels k (stride patch * 2^(k-4)); contiguous.</summary>
    [JsonPropertyName("levels")] public IReadOnlyList<int> Levels { get; init; } = [3, 4, 5, 6];

    /// <summary>3x3 convolutions per head tower.</summary>
    [JsonPropertyName("tower_convs")] public int TowerConvs { get; init; } = 4;

    /// <summary>Centre sampling radius in strides; 0 takes every location inside a box.</summary>
    [JsonPropertyName("centre_sampling_radius")] public double CentreSamplingRadius { get; init; } = 1.5;

    [JsonPropertyName("focal_alpha")] public double FocalAlpha { get; init; } = 0.25;

    [JsonPropertyName("focal_gamma")] public double FocalGamma { get; init; } = 2.0;

    [JsonPropertyName("quality")] public FcosQuality Quality { get; init; } = FcosQuality.Centreness;

    /// <summary>Initial foreground probability of the class logits.</summary>
    [JsonPropertyName("prior_probability")] public double PriorProbability { get; init; } = 0.01;

    /// <summary>Default inference settings (callers may override them per call).</summary>
    [JsonPropertyName("postprocess")] public DetectionPostprocessOptions Postprocess { get; init; } = new();

    public void Validate()
    {
        if (Layers.Count == 0) throw new ArgumentException("the detector needs at least one backbone layer.");
        if (BackboneWidth < 1 || PatchSize < 1) throw new ArgumentException($"backbone width and patch must be positive (got {BackboneWidth}, {PatchSize}).");
        if (NumClasses < 1) throw new ArgumentException($"the detector needs at least one class (got {NumClasses}).");
        if (Channels < 1 || Channels % ConvolutionGuard.ChannelMultiple != 0)
            throw new ArgumentException($"channels must be a positive multiple of {ConvolutionGuard.ChannelMultiple} (got {Channels}).");
        if (TowerConvs < 0) throw new ArgumentException($"tower convolutions must be >= 0 (got {TowerConvs}).");
        if (Levels.Count == 0 || Levels[0] < SimpleFeaturePyramid.MinLevel || Levels[^1] > SimpleFeaturePyramid.MaxLevel)
            throw new ArgumentException($"levels must lie in p{SimpleFeaturePyramid.MinLevel}..p{SimpleFeaturePyramid.MaxLevel} (got {string.Join(",", Levels)}).");
        if (CentreSamplingRadius < 0) throw new ArgumentException($"centre sampling radius must be >= 0 (got {CentreSamplingRadius}).");
        if (!(PriorProbability is > 0 and < 1)) throw new ArgumentException($"prior probability must lie in (0, 1) (got {PriorProbability}).");
        Postprocess.Validate();
    }
}
