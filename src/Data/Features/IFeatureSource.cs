using PerceptionEncoder.Backbone;
using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Transforms;

namespace PerceptionEncoder.Data.Features;

/// <summary>
/// Where a head's features come from: computed by a backbone on the batch's images
/// (<see cref="OnlineFeatureSource"/>) or read from a feature cache (<see cref="CachedFeatureSource"/>). A training
/// loop is written once against this interface:
/// <code>
/// var loader = new DataLoader(dataset, source.FixedTransform ?? augmentation,
///     options with { Parts = source.NeedsImages ? parts | SampleParts.Image : parts &amp; ~SampleParts.Image });
/// foreach (var batch in loader.Epoch(epoch)) { using (batch) using (var maps = source.GetFeatures(batch)) { ... } }
/// </code>
/// </summary>
public interface IFeatureSource : IDisposable
{
    /// <summary>The backbone, layers and resolution the features belong to.</summary>
    FeatureSourceInfo Info { get; }

    /// <summary>Whether <see cref="GetFeatures"/> needs <see cref="Batch.Images"/> (false for a cache: load targets only).</summary>
    bool NeedsImages { get; }

    /// <summary>
    /// The transform the items must be given so targets line up with the features: a cache holds features of
    /// fixed, non-augmented images (e.g. <c>squash 512x512</c>), so cached training cannot augment. Null when any
    /// transform may be used (online).
    /// </summary>
    SampleTransform? FixedTransform { get; }

    /// <summary>
    /// The feature maps of the batch's items: for every layer of <see cref="FeatureSourceInfo.Layers"/> (0-based),
    /// [B, C, h, w] float32 with h = H/patch, w = W/patch, on <see cref="FeatureSourceInfo.Device"/>; class tokens
    /// [B, C] for backbones that have one. The caller disposes the result.
    /// </summary>
    FeatureMaps GetFeatures(Batch batch);
}
