using System.Text.Json.Serialization;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Features;

namespace PerceptionEncoder.Heads;

/// <summary>
/// What a head knows of the backbone it was trained on. A head is only valid on features of the same backbone
/// weights, blocks and resolution; <see cref="EnsureSameAs"/> refuses anything else with a clear message.
/// </summary>
public sealed record BackboneSpec(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("weights_id")] string WeightsId,
    [property: JsonPropertyName("patch_size")] int PatchSize,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("depth")] int Depth,
    [property: JsonPropertyName("has_class_token")] bool HasClassToken,
    [property: JsonPropertyName("random_weights")] bool IsRandom)
{
    public static BackboneSpec Of(IFeatureBackbone backbone) => new(
        backbone.Name, backbone.WeightsId, backbone.PatchSize, backbone.Width, backbone.Depth,
        backbone.HasClassToken, backbone.IsRandom);

    /// <summary>The backbone a feature source's maps come from (a cache knows it without loading the weights).</summary>
    public static BackboneSpec Of(FeatureSourceInfo features) => new(
        features.BackboneName, features.WeightsId, features.PatchSize, features.Channels, features.BackboneDepth,
        features.HasClassToken, features.IsRandom);

    /// <summary>Throws when <paramref name="actual"/> is another backbone than this one.</summary>
    /// <param name="what">The file that carries this spec (a head checkpoint, a cache manifest), for the message.</param>
    public void EnsureSameAs(BackboneSpec actual, string what)
    {
        if (WeightsId != actual.WeightsId || PatchSize != actual.PatchSize || Width != actual.Width || Depth != actual.Depth)
            throw new InvalidDataException(
                $"{what} was made for backbone {Name} ({WeightsId}, width {Width}, {Depth} blocks, patch {PatchSize}) " +
                $"but the backbone given is {actual.Name} ({actual.WeightsId}, width {actual.Width}, {actual.Depth} blocks, " +
                $"patch {actual.PatchSize}); use the checkpoint it was trained with, or retrain the head.");
    }
}
