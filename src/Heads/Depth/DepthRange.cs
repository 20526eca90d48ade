using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Depth;

/// <summary>
/// The depth range of a dataset in metres: predictions are clamped to [<see cref="Min"/>, <see cref="Max"/>] and
/// ground truth counts as valid only strictly inside it (as the NYU protocol does, compared in float32).
/// </summary>
public sealed record DepthRange(
    [property: JsonPropertyName("min")] float Min,
    [property: JsonPropertyName("max")] float Max)
{
    /// <summary>NYU Depth v2 (BTS, AdaBins, ZoeDepth, DINOv2): 1e-3 to 10 m.</summary>
    public static DepthRange Nyu { get; } = new(1e-3f, 10f);

    /// <summary>Throws <see cref="ArgumentException"/> unless 0 &lt; Min &lt; Max, both finite.</summary>
    public void Validate()
    {
        if (!(Min > 0) || !(Max > Min) || !float.IsFinite(Max))
            throw new ArgumentException($"depth range [{Min}, {Max}] m is not valid: it needs 0 < min < max.");
    }

    /// <summary>Whether a ground-truth depth is a measurement: strictly inside the range, compared in float32.</summary>
    public bool IsValid(float depth) => depth > Min && depth < Max;

    public override string ToString() => $"[{Min}, {Max}] m";
}
