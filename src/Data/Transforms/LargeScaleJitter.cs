using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>
/// Large-scale jitter (Ghiasi et al., as ViTDet trains): resize keeping the aspect so the long side is
/// <see cref="OutputSize"/> times a factor drawn uniformly from [<see cref="MinScale"/>, <see cref="MaxScale"/>],
/// then take a random <see cref="OutputSize"/>² window where it is larger, and pad right/bottom where smaller.
/// </summary>
public sealed class LargeScaleJitter : SampleTransform
{
    public LargeScaleJitter(int outputSize, double minScale = 0.1, double maxScale = 2.0)
    {
        if (outputSize < 1) throw new ArgumentOutOfRangeException(nameof(outputSize));
        if (minScale <= 0 || maxScale < minScale) throw new ArgumentException($"scales must satisfy 0 < min <= max (got {minScale}, {maxScale}).");
        OutputSize = outputSize;
        MinScale = minScale;
        MaxScale = maxScale;
    }

    public int OutputSize { get; }

    public double MinScale { get; }

    public double MaxScale { get; }

    public override Sample Apply(Sample sample, Random random)
    {
        double target = OutputSize * (MinScale + (MaxScale - MinScale) * random.NextDouble());
        double scale = Math.Min(target / sample.Width, target / sample.Height);
        int w = Math.Max(1, (int)Math.Round(sample.Width * scale)), h = Math.Max(1, (int)Math.Round(sample.Height * scale));
        var resized = SampleOps.Resize(sample, w, h);
        int cw = Math.Min(w, OutputSize), ch = Math.Min(h, OutputSize);
        int x0 = w > cw ? random.Next(w - cw + 1) : 0, y0 = h > ch ? random.Next(h - ch + 1) : 0;
        var cropped = cw == w && ch == h ? resized : SampleOps.Crop(resized, x0, y0, cw, ch);
        return SampleOps.Pad(cropped, OutputSize, OutputSize);
    }

    public override bool IsRandom => true;

    public override string Describe() => $"large-scale-jitter {OutputSize} scale [{MinScale}, {MaxScale}]";
}
