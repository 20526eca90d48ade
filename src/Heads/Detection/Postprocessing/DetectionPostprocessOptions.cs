using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Detection;

/// <summary>How raw predictions become detections.</summary>
public sealed record DetectionPostprocessOptions
{
    /// <summary>Detections scoring at or below this are dropped (0.05 is COCO-evaluation practice).</summary>
    [JsonPropertyName("score_threshold")] public double ScoreThreshold { get; init; } = 0.05;

    /// <summary>Best (location, class) candidates kept per level before NMS.</summary>
    [JsonPropertyName("pre_nms_top_k")] public int PreNmsTopK { get; init; } = 1000;

    /// <summary>Per-class NMS drops a box overlapping a better one of its class with IoU above this.</summary>
    [JsonPropertyName("nms_iou_threshold")] public double NmsIoUThreshold { get; init; } = 0.6;

    /// <summary>Detections kept per image after NMS.</summary>
    [JsonPropertyName("max_detections")] public int MaxDetections { get; init; } = 100;

    public void Validate()
    {
        if (ScoreThreshold is < 0 or >= 1) throw new ArgumentException($"the score threshold must lie in [0, 1) (got {ScoreThreshold}).");
        if (PreNmsTopK < 1) throw new ArgumentException($"pre-NMS top-k must be at least 1 (got {PreNmsTopK}).");
        if (NmsIoUThreshold is <= 0 or > 1) throw new ArgumentException($"the NMS IoU threshold must lie in (0, 1] (got {NmsIoUThreshold}).");
        if (MaxDetections < 1) throw new ArgumentException($"max detections must be at least 1 (got {MaxDetections}).");
    }
}
