namespace PerceptionEncoder.Heads.Training;

/// <summary>Learning rate per optimiser step: linear warm-up, then half a cosine down to a floor.</summary>
public sealed record WarmupCosineSchedule(double BaseRate, int WarmupSteps, int TotalSteps, double FinalRatio)
{
    /// <summary>The rate for 0-based step <paramref name="step"/>.</summary>
    public double RateAt(int step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        double floor = BaseRate * FinalRatio;
        return floor + (BaseRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
