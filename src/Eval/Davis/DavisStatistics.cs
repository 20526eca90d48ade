using PerceptionEncoder.Eval.Numerics;

namespace PerceptionEncoder.Eval.Davis;

/// <summary>Mean, recall (fraction of frames above 0.5) and decay of a per-frame J or F curve (davis2017 <c>db_statistics</c>).</summary>
public readonly record struct DavisStatistics(double Mean, double Recall, double Decay)
{
    /// <summary>
    /// <c>db_statistics</c>: Mean = nanmean; Recall = mean(x &gt; 0.5); Decay = mean(first bin) - mean(last bin) of 4
    /// overlapping bins with bounds <c>round(linspace(1, N, 5) + 1e-10) - 1</c> as uint8, each bin inclusive of both
    /// bounds (so neighbouring bins share a frame).
    /// </summary>
    public static DavisStatistics Of(ReadOnlySpan<double> perFrame)
    {
        int n = perFrame.Length;
        double mean = NumpyCompat.NanMean(perFrame);
        var above = new double[n];
        for (int i = 0; i < n; i++) above[i] = perFrame[i] > 0.5 ? 1 : 0;
        double recall = NumpyCompat.NanMean(above);

        double[] grid = NumpyCompat.Linspace(1, n, 5);
        var ids = new byte[5];
        for (int i = 0; i < 5; i++) ids[i] = unchecked((byte)(long)(Math.Round(grid[i] + 1e-10, MidpointRounding.ToEven) - 1));
        double decay = BinMean(perFrame, ids, 0) - BinMean(perFrame, ids, 3);
        return new DavisStatistics(mean, recall, decay);
    }

    private static double BinMean(ReadOnlySpan<double> values, byte[] ids, int i)
    {
        int start = ids[i], stop = unchecked((byte)(ids[i + 1] + 1)); // uint8 arithmetic, as numpy does
        stop = Math.Min(stop, values.Length);
        return stop > start ? NumpyCompat.NanMean(values[start..stop]) : double.NaN;
    }
}
