using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Depth.Linear;

/// <summary>
/// The linear probe of DINOv2's depth protocol: the patch maps of one or several blocks, each optionally
/// concatenated with its class token, upsampled <see cref="Upsample"/>× (bilinear), one linear layer per pixel,
/// then the readout (regression, or bins: DINOv2 uses 256 linear bins on the last block, or on four blocks).
/// </summary>
public sealed record LinearDepthConfig : DepthHeadConfig
{
    /// <summary>Concatenate each block's class token to its patch tokens (ignored for backbones without one).</summary>
    [JsonPropertyName("class_token")]
    public bool UseClassToken { get; init; } = true;

    /// <summary>Bilinear upsampling factor before the per-pixel layer (DINOv2: 4).</summary>
    [JsonPropertyName("upsample")]
    public int Upsample { get; init; } = 4;

    /// <summary>The last block only (DINOv2's "linear"); give four blocks for its "linear 4" variant.</summary>
    public static IReadOnlyList<int> DefaultLayers { get; } = [-1];

    public override DepthHead Create(BackboneSpec backbone) => new LinearDepthHead(Resolve(backbone), backbone);

    /// <summary>This config with its layers 0-based and the class-token switch fitted to <paramref name="backbone"/>.</summary>
    public LinearDepthConfig Resolve(BackboneSpec backbone)
    {
        ValidateCommon();
        if (Upsample < 1) throw new ArgumentException($"upsample must be at least 1 (got {Upsample}).");
        var layers = ResolveLayers(Layers ?? DefaultLayers, backbone.Depth);
        if (layers.Length == 0) throw new ArgumentException("the linear depth head needs at least one layer.");
        if (layers.Distinct().Count() != layers.Length)
            throw new ArgumentException($"layers [{string.Join(", ", layers)}] repeat a block.");
        return this with { Layers = layers, UseClassToken = UseClassToken && backbone.HasClassToken };
    }
}
