using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Depth.Readout;

/// <summary>How a head's last layer becomes depth.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DepthOutputKind>))]
public enum DepthOutputKind
{
    /// <summary>One channel: <c>depth = min + softplus(x)</c>.</summary>
    [JsonStringEnumMemberName("regression")]
    Regression,

    /// <summary>
    /// One channel per depth bin: the per-pixel distribution over the bins weights their centres (DINOv2's linear
    /// depth protocol: 256 bins, linear spacing, "linear" normalisation).
    /// </summary>
    [JsonStringEnumMemberName("bins")]
    Bins,
}

/// <summary>Spacing of the bin centres between <see cref="DepthOutput.BinsMin"/> and the range maximum.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BinSpacing>))]
public enum BinSpacing
{
    /// <summary>Uniform in depth (DINOv2's "UD").</summary>
    [JsonStringEnumMemberName("linear")]
    Linear,

    /// <summary>Uniform in log depth (spacing-increasing, DORN's "SID").</summary>
    [JsonStringEnumMemberName("log")]
    Log,
}

/// <summary>How bin logits become weights.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BinNormalization>))]
public enum BinNormalization
{
    /// <summary><c>w = (relu(x) + 0.1) / Σ(relu(x) + 0.1)</c> (AdaBins, DINOv2's default).</summary>
    [JsonStringEnumMemberName("linear")]
    Linear,

    /// <summary><c>w = softmax(x)</c>.</summary>
    [JsonStringEnumMemberName("softmax")]
    Softmax,
}

/// <summary>The output form of a depth head.</summary>
public sealed record DepthOutput
{
    public static DepthOutput Regression { get; } = new();

    /// <summary>DINOv2's linear-probe output: 256 bins, linear spacing, linear normalisation.</summary>
    public static DepthOutput Dinov2Bins { get; } = new() { Kind = DepthOutputKind.Bins };

    [JsonPropertyName("kind")]
    public DepthOutputKind Kind { get; init; } = DepthOutputKind.Regression;

    [JsonPropertyName("bins")]
    public int Bins { get; init; } = 256;

    [JsonPropertyName("spacing")]
    public BinSpacing Spacing { get; init; } = BinSpacing.Linear;

    [JsonPropertyName("normalization")]
    public BinNormalization Normalization { get; init; } = BinNormalization.Linear;

    /// <summary>
    /// Centre of the first bin in metres; null: the range minimum for linear spacing, a hundredth of the range
    /// maximum for log spacing (log bins from 1 mm would spend half of them below 10 cm on NYU).
    /// </summary>
    [JsonPropertyName("bins_min")]
    public float? BinsMin { get; init; }

    /// <summary>Channels of the layer that feeds the readout: 1, or one per bin.</summary>
    [JsonIgnore]
    public int Channels => Kind == DepthOutputKind.Regression ? 1 : Bins;

    public void Validate(DepthRange range)
    {
        if (Kind == DepthOutputKind.Bins && Bins < 2) throw new ArgumentException($"a bins output needs at least 2 bins (got {Bins}).");
        if (BinsMin is { } m && !(m >= range.Min && m < range.Max))
            throw new ArgumentException($"bins_min {m} m lies outside the depth range {range}.");
    }

    /// <summary>The first bin centre actually used.</summary>
    public float FirstBin(DepthRange range) => BinsMin ?? (Spacing == BinSpacing.Linear ? range.Min : Math.Max(range.Min, range.Max / 100));
}
