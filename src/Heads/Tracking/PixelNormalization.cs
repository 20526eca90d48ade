namespace PerceptionEncoder.Heads.Tracking;

/// <summary>Per-channel (RGB) normalisation of frames: x = (pixel/255 − mean) / std.</summary>
public sealed record PixelNormalization(float[] Mean, float[] Std)
{
    /// <summary>What PE backbones expect: mean = std = 0.5, i.e. x = pixel/255·2 − 1.</summary>
    public static PixelNormalization Pe { get; } = new([0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    /// <summary>DINO's statistics in its DAVIS script, std 0.228 (sic) included; only for DINO ViTs.</summary>
    public static PixelNormalization DinoDavis { get; } = new([0.485f, 0.456f, 0.406f], [0.228f, 0.224f, 0.225f]);
}
