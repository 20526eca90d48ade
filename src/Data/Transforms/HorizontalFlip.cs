using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>Mirrors the sample left to right with probability <see cref="Probability"/>.</summary>
public sealed class HorizontalFlip(double probability = 0.5) : SampleTransform
{
    public double Probability { get; } = probability is >= 0 and <= 1 ? probability : throw new ArgumentOutOfRangeException(nameof(probability));

    public override Sample Apply(Sample sample, Random random)
    {
        // Always draw, so the random stream does not depend on the probability's value.
        bool flip = random.NextDouble() < Probability;
        return flip ? SampleOps.FlipHorizontal(sample) : sample;
    }

    public override bool IsRandom => Probability is > 0 and < 1;

    public override string Describe() => $"horizontal-flip p={Probability}";
}
