using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>
/// A transform of a sample and all its targets. Random transforms draw only from the <see cref="Random"/> they are
/// given, which the loader seeds per item, so results do not depend on thread count or order.
/// </summary>
public abstract class SampleTransform
{
    public abstract Sample Apply(Sample sample, Random random);

    /// <summary>Whether the output depends on the random draws (such a transform cannot define a feature cache).</summary>
    public abstract bool IsRandom { get; }

    /// <summary>A one-line description, recorded in feature-cache manifests, e.g. <c>squash 512x512 bilinear</c>.</summary>
    public abstract string Describe();

    public override string ToString() => Describe();

    /// <summary>Applies the transforms in order.</summary>
    public static SampleTransform Compose(params SampleTransform[] transforms) => new ComposedTransform(transforms);

    /// <summary>Leaves samples unchanged.</summary>
    public static SampleTransform Identity { get; } = new ComposedTransform([]);

    private sealed class ComposedTransform(SampleTransform[] transforms) : SampleTransform
    {
        public override Sample Apply(Sample sample, Random random)
        {
            foreach (var t in transforms) sample = t.Apply(sample, random);
            return sample;
        }

        public override bool IsRandom => transforms.Any(t => t.IsRandom);

        public override string Describe() => transforms.Length == 0 ? "identity" : string.Join(", ", transforms.Select(t => t.Describe()));
    }
}
