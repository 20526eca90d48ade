using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>Resizes to a fixed size regardless of aspect (PE's default preprocessing), bilinear for pixels.</summary>
public sealed class SquashResize(int width, int height) : SampleTransform
{
    public SquashResize(int size) : this(size, size) { }

    public int Width { get; } = width > 0 ? width : throw new ArgumentOutOfRangeException(nameof(width));

    public int Height { get; } = height > 0 ? height : throw new ArgumentOutOfRangeException(nameof(height));

    public override Sample Apply(Sample sample, Random random) => SampleOps.Resize(sample, Width, Height);

    public override bool IsRandom => false;

    public override string Describe() => $"squash {Width}x{Height} bilinear";
}
