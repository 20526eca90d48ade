using ScottPlot;

namespace PerceptionEncoder.Cli.Report;

/// <summary>The report's charts, drawn with ScottPlot and saved as PNG.</summary>
public static class Plots
{
    /// <summary>A loss curve: the per-step loss (light) and its moving average (bold) against the step.</summary>
    public static void LossCurve(string path, string title, IReadOnlyList<(int Step, double Loss)> steps, int window = 20)
    {
        var plot = new Plot();
        double[] xs = steps.Select(s => (double)s.Step).ToArray();
        double[] ys = steps.Select(s => s.Loss).ToArray();
        var raw = plot.Add.ScatterLine(xs, ys);
        raw.LineWidth = 1;
        raw.Color = Colors.SteelBlue.WithAlpha(0.35);
        raw.LegendText = "per step";
        var smooth = plot.Add.ScatterLine(xs, MovingAverage(ys, window));
        smooth.LineWidth = 2.5f;
        smooth.Color = Colors.SteelBlue;
        smooth.LegendText = $"moving average ({window} steps)";
        plot.Title(title);
        plot.XLabel("optimiser step");
        plot.YLabel("loss");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 640, 400);
    }

    /// <summary>Precision against recall (the COCO 101-point interpolated curve), one line per named series.</summary>
    public static void PrecisionRecall(string path, string title, IReadOnlyList<double> recall, IReadOnlyList<(string Name, double[] Precision)> series)
    {
        var plot = new Plot();
        double[] xs = recall.ToArray();
        foreach (var (name, precision) in series)
        {
            var line = plot.Add.ScatterLine(xs, precision);
            line.LineWidth = 2;
            line.LegendText = name;
        }
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.Title(title);
        plot.XLabel("recall");
        plot.YLabel("precision");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, 640, 400);
    }

    /// <summary>A metric over epochs (validation curves).</summary>
    public static void MetricCurve(string path, string title, string metric, IReadOnlyList<(int Epoch, double Value)> points)
    {
        var plot = new Plot();
        var line = plot.Add.Scatter(points.Select(p => (double)p.Epoch).ToArray(), points.Select(p => p.Value).ToArray());
        line.LineWidth = 2;
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(metric);
        plot.SavePng(path, 640, 400);
    }

    internal static double[] MovingAverage(IReadOnlyList<double> values, int window)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
