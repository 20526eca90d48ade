using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Detection.Fcos;

/// <summary>What the quality branch predicts; its probability multiplies the class score at inference.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FcosQuality>))]
public enum FcosQuality
{
    /// <summary>FCOS's centreness of the location in its box; the box loss is weighted by the centreness target.</summary>
    Centreness,

    /// <summary>The IoU of the predicted box with its target box (as IoU-aware detectors do).</summary>
    IoU,
}
