using static TorchSharp.torch;

namespace PerceptionEncoder.Data.Features;

/// <summary>What a feature source delivers.</summary>
/// <param name="BackboneName">Config name of the backbone, e.g. <c>PE-Spatial-T16-512</c>.</param>
/// <param name="WeightsId"><c>sha256:&lt;hex&gt;</c> of the checkpoint, or <c>random:&lt;seed&gt;</c>.</param>
/// <param name="IsRandom">Whether the backbone's weights are random.</param>
/// <param name="PatchSize">Pixels per patch side.</param>
/// <param name="Channels">C of every map.</param>
/// <param name="Layers">0-based block indices, in the order the maps are delivered.</param>
/// <param name="HasClassToken">Whether class tokens come with the maps.</param>
/// <param name="ImageSize">The fixed (square) input size of a cache; null when any size is accepted (online).</param>
/// <param name="Device">Where the maps are delivered.</param>
public sealed record FeatureSourceInfo(string BackboneName, string WeightsId, bool IsRandom, int PatchSize, int Channels,
    IReadOnlyList<int> Layers, bool HasClassToken, int? ImageSize, Device Device);
