using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>Takes a window of at most <see cref="Width"/> × <see cref="Height"/> at a uniformly random position.</summary>
public sealed class RandomCrop(int width, int height) : SampleTransform
{
    public int Width { get; } = width > 0 ? width : throw new ArgumentOutOfRangeException(nameof(width));

    public int Height { get; } = height > 0 ? height : throw new ArgumentOutOfRangeException(nameof(height));

    public override Sample Apply(Sample sample, Random random)
    {
        int w = Math.Min(Width, sample.Width), h = Math.Min(Height, sample.Height);
        if (w == sample.Width && h == sample.Height) return sample;
        int x0 = random.Next(sample.Width - w + 1), y0 = random.Next(sample.Height - h + 1);
        return SampleOps.Crop(sample, x0, y0, w, h);
    }

    public override bool IsRandom => true;

    public override string Describe() => $"random-crop {Width}x{Height}";
}
