using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Depth.Losses;

/// <summary>
/// The depth training loss: <c>Scale · sqrt(mean(g²) − VarianceFocus · mean(g)²)</c> with <c>g = ln pred − ln gt</c>
/// over the valid pixels of the batch (BTS's scale-invariant log loss: variance focus 0.85, ×10), plus
/// <see cref="GradientWeight"/> times a multi-scale gradient-matching term on <c>g</c>.
/// </summary>
public sealed record DepthLossOptions
{
    /// <summary>λ of the scale-invariant log loss: 1 makes it fully scale invariant, 0 an L2 on log depth. BTS/AdaBins: 0.85.</summary>
    [JsonPropertyName("variance_focus")]
    public double VarianceFocus { get; init; } = 0.85;

    /// <summary>Multiplier of the square root (BTS and AdaBins use 10).</summary>
    [JsonPropertyName("scale")]
    public double Scale { get; init; } = 10;

    /// <summary>Weight of the gradient-matching term; 0 leaves it out.</summary>
    [JsonPropertyName("gradient_weight")]
    public double GradientWeight { get; init; }

    /// <summary>Scales of the gradient-matching term (the residual subsampled by 1, 2, 4, ...).</summary>
    [JsonPropertyName("gradient_scales")]
    public int GradientScales { get; init; } = 4;

    public void Validate()
    {
        if (!(VarianceFocus is >= 0 and <= 1)) throw new ArgumentException($"variance focus must be in [0, 1] (got {VarianceFocus}).");
        if (!(Scale > 0)) throw new ArgumentException($"loss scale must be positive (got {Scale}).");
        if (!(GradientWeight >= 0)) throw new ArgumentException($"gradient-matching weight must be >= 0 (got {GradientWeight}).");
        if (GradientScales < 1) throw new ArgumentException($"gradient-matching scales must be at least 1 (got {GradientScales}).");
    }
}
