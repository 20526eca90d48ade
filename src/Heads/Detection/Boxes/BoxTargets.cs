namespace PerceptionEncoder.Heads.Detection;

/// <summary>The annotations of a batch of B images, image by image, in the processed pixel frame.</summary>
public sealed class BoxTargets(IReadOnlyList<IReadOnlyList<GroundTruthBox>> images)
{
    public IReadOnlyList<IReadOnlyList<GroundTruthBox>> Images { get; } = images;

    public int Count => Images.Count;
}
