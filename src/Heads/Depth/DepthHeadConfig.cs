using System.Text.Json.Serialization;
using PerceptionEncoder.Heads.Depth.Dpt;
using PerceptionEncoder.Heads.Depth.Linear;
using PerceptionEncoder.Heads.Depth.Losses;
using PerceptionEncoder.Heads.Depth.Readout;

namespace PerceptionEncoder.Heads.Depth;

/// <summary>
/// What defines a depth head before training. Serialised (with <c>"kind": "linear" | "dpt"</c>) as the head's
/// <see cref="IDenseHead.Config"/>; a head built from a config reports it with everything resolved (0-based
/// layers, defaults filled in for its backbone), so the same JSON rebuilds the same head.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(LinearDepthConfig), "linear")]
[JsonDerivedType(typeof(DptDepthConfig), "dpt")]
public abstract record DepthHeadConfig
{
    /// <summary>Backbone blocks read (negative from the end); null: the head's default for the backbone.</summary>
    [JsonPropertyName("layers")]
    public IReadOnlyList<int>? Layers { get; init; }

    [JsonPropertyName("range")]
    public DepthRange Range { get; init; } = DepthRange.Nyu;

    [JsonPropertyName("output")]
    public DepthOutput Output { get; init; } = DepthOutput.Regression;

    [JsonPropertyName("loss")]
    public DepthLossOptions Loss { get; init; } = new();

    /// <summary>Builds an untrained head for features of <paramref name="backbone"/> (seeded by the caller's torch seed).</summary>
    public abstract DepthHead Create(BackboneSpec backbone);

    /// <summary>Resolves <paramref name="layers"/> (negative from the end) against a backbone of <paramref name="depth"/> blocks.</summary>
    protected static int[] ResolveLayers(IEnumerable<int> layers, int depth) => layers.Select(l =>
    {
        int resolved = l < 0 ? depth + l : l;
        if (resolved < 0 || resolved >= depth)
            throw new ArgumentException($"layer {l} does not exist in a backbone of {depth} blocks (valid: 0..{depth - 1} or -{depth}..-1).");
        return resolved;
    }).ToArray();

    protected void ValidateCommon()
    {
        Range.Validate();
        Output.Validate(Range);
        Loss.Validate();
    }
}
