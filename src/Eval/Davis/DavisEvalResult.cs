using System.Text;
using System.Text.Json;
using PerceptionEncoder.Eval.Numerics;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Eval.Davis;

/// <summary>
/// The DAVIS figures: per object (sequence order, then id) and global means over all objects (object-weighted,
/// not a mean of sequence means); <c>J&amp;F-Mean = (J-Mean + F-Mean) / 2</c>.
/// </summary>
public sealed class DavisEvalResult
{
    public DavisEvalResult(IReadOnlyList<DavisObjectResult> objects, string set = "val")
    {
        Objects = objects;
        Set = set;
        double Mean(Func<DavisObjectResult, double> pick) => NumpyCompat.Mean(objects.Select(pick).ToArray());
        JMean = Mean(o => o.JStatistics.Mean);
        JRecall = Mean(o => o.JStatistics.Recall);
        JDecay = Mean(o => o.JStatistics.Decay);
        FMean = Mean(o => o.FStatistics.Mean);
        FRecall = Mean(o => o.FStatistics.Recall);
        FDecay = Mean(o => o.FStatistics.Decay);
        JAndFMean = (JMean + FMean) / 2.0;
    }

    public IReadOnlyList<DavisObjectResult> Objects { get; }

    /// <summary>The image set name used in the CSV file names.</summary>
    public string Set { get; }

    public double JAndFMean { get; }
    public double JMean { get; }
    public double JRecall { get; }
    public double JDecay { get; }
    public double FMean { get; }
    public double FRecall { get; }
    public double FDecay { get; }

    /// <summary>The global measures in the official order, with their names.</summary>
    public IReadOnlyList<(string Name, double Value)> Global =>
    [
        ("J&F-Mean", JAndFMean), ("J-Mean", JMean), ("J-Recall", JRecall), ("J-Decay", JDecay),
        ("F-Mean", FMean), ("F-Recall", FRecall), ("F-Decay", FDecay),
    ];

    /// <summary>The official <c>global_results-&lt;set&gt;.csv</c> text (3 decimals, Python rounding).</summary>
    public string GlobalCsv()
    {
        var text = new StringBuilder();
        text.Append(string.Join(",", Global.Select(g => g.Name))).Append('\n');
        text.Append(string.Join(",", Global.Select(g => Format(g.Value)))).Append('\n');
        return text.ToString();
    }

    /// <summary>The official <c>per-sequence_results-&lt;set&gt;.csv</c> text: one row per object, <c>&lt;seq&gt;_&lt;id&gt;</c>.</summary>
    public string PerSequenceCsv()
    {
        var text = new StringBuilder("Sequence,J-Mean,F-Mean\n");
        foreach (var o in Objects)
            text.Append(o.Name).Append(',').Append(Format(o.JStatistics.Mean)).Append(',').Append(Format(o.FStatistics.Mean)).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// Writes <c>global_results-&lt;set&gt;.csv</c>, <c>per-sequence_results-&lt;set&gt;.csv</c> and <c>results.json</c>
    /// (full precision) into <paramref name="folder"/>, each atomically.
    /// </summary>
    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, $"global_results-{Set}.csv"), GlobalCsv());
        AtomicFile.WriteAllText(Path.Combine(folder, $"per-sequence_results-{Set}.csv"), PerSequenceCsv());
        AtomicFile.Write(Path.Combine(folder, "results.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            foreach (var (name, value) in Global) WriteNumber(w, name, value);
            w.WriteStartObject("per_object");
            foreach (var o in Objects)
            {
                w.WriteStartObject(o.Name);
                WriteNumber(w, "J-Mean", o.JStatistics.Mean);
                WriteNumber(w, "F-Mean", o.FStatistics.Mean);
                WriteNumber(w, "J-Recall", o.JStatistics.Recall);
                WriteNumber(w, "J-Decay", o.JStatistics.Decay);
                WriteNumber(w, "F-Recall", o.FStatistics.Recall);
                WriteNumber(w, "F-Decay", o.FStatistics.Decay);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    /// <summary>pandas <c>float_format="%.3f"</c>; NaN is written as an empty field.</summary>
    private static string Format(double value) => double.IsNaN(value) ? "" : NumpyCompat.FormatFixed(value, 3);
}
