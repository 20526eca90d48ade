using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>
/// Resizes keeping the aspect so the short side is one of <see cref="ShortSides"/> (chosen at random when several)
/// and the long side at most <see cref="MaxLongSide"/>, then pads right and bottom to a multiple of
/// <see cref="SizeDivisibility"/> (the patch size, so every patch is whole).
/// </summary>
public sealed class ShortSideResize : SampleTransform
{
    public ShortSideResize(int shortSide, int maxLongSide = int.MaxValue, int sizeDivisibility = 1)
        : this([shortSide], maxLongSide, sizeDivisibility) { }

    public ShortSideResize(IReadOnlyList<int> shortSides, int maxLongSide = int.MaxValue, int sizeDivisibility = 1)
    {
        if (shortSides.Count == 0 || shortSides.Any(s => s < 1)) throw new ArgumentException("short sides must be positive.", nameof(shortSides));
        if (maxLongSide < 1 || sizeDivisibility < 1) throw new ArgumentException("max long side and divisibility must be positive.");
        ShortSides = shortSides.ToArray();
        MaxLongSide = maxLongSide;
        SizeDivisibility = sizeDivisibility;
    }

    public IReadOnlyList<int> ShortSides { get; }

    public int MaxLongSide { get; }

    public int SizeDivisibility { get; }

    public override Sample Apply(Sample sample, Random random)
    {
        int shortSide = ShortSides.Count == 1 ? ShortSides[0] : ShortSides[random.Next(ShortSides.Count)];
        var (w, h) = OutputSize(sample.Width, sample.Height, shortSide);
        var resized = SampleOps.Resize(sample, w, h);
        return SampleOps.Pad(resized, SampleOps.RoundUp(w, SizeDivisibility), SampleOps.RoundUp(h, SizeDivisibility));
    }

    /// <summary>The content size an image of <paramref name="width"/> × <paramref name="height"/> is resized to.</summary>
    public (int Width, int Height) OutputSize(int width, int height, int shortSide)
    {
        double scale = (double)shortSide / Math.Min(width, height);
        if (Math.Max(width, height) * scale > MaxLongSide) scale = (double)MaxLongSide / Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    public override bool IsRandom => ShortSides.Count > 1;

    public override string Describe() =>
        $"short-side {string.Join("|", ShortSides)}" + (MaxLongSide < int.MaxValue ? $" max-long {MaxLongSide}" : "") +
        (SizeDivisibility > 1 ? $" pad-to-multiple {SizeDivisibility}" : "") + " bilinear";
}
