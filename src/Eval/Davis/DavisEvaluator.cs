using PerceptionEncoder.Eval.Formats.Davis;

namespace PerceptionEncoder.Eval.Davis;

/// <summary>
/// DAVIS 2017 semi-supervised evaluation as davisvideochallenge/davis2017-evaluation computes it (docs
/// EVAL_SPEC.md §3): per sequence, K = the largest id of the first annotation (void 255 read as background), the
/// first and last frames are not evaluated, void counts as background, result ids missing from a frame are empty
/// masks; per object and frame J and F (<see cref="DavisMeasures"/>); per object mean, recall and decay; global
/// figures are means over all objects of all sequences. Frames are processed in parallel.
/// </summary>
public static class DavisEvaluator
{
    /// <summary>Evaluates a results folder against a DAVIS root.</summary>
    public static DavisEvalResult Evaluate(string davisRoot, string resultsFolder, string set = "val", string year = "2017", int? threads = null, IProgress<int>? progress = null) =>
        Evaluate(new DavisDataset(davisRoot), new DavisResults(resultsFolder), set, year, threads, progress);

    /// <summary>Evaluates <paramref name="results"/> on the sequences of <c>ImageSets/&lt;year&gt;/&lt;set&gt;.txt</c>.</summary>
    /// <exception cref="InvalidDataException">An RGB mask, a sequence with fewer than 3 annotated frames or fewer
    /// annotations than frames, masks of different sizes, or a result with an object id above the sequence's object
    /// count (including 255); every message names the file.</exception>
    /// <exception cref="FileNotFoundException">A missing annotation or result frame.</exception>
    public static DavisEvalResult Evaluate(DavisDataset dataset, DavisResults results, string set = "val", string year = "2017", int? threads = null, IProgress<int>? progress = null)
    {
        var sequences = dataset.ReadSequenceNames(set, year);
        var plans = new List<SequencePlan>();
        foreach (string name in sequences) plans.Add(Plan(dataset, name));
        var work = plans.SelectMany(plan => Enumerable.Range(0, plan.FrameIds.Count).Select(f => (plan, f))).ToArray();
        var errors = new Exception?[work.Length];
        int done = 0;
        Parallel.For(0, work.Length, new ParallelOptions { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount }, (w, state) =>
        {
            try
            {
                var (plan, f) = work[w];
                EvaluateFrame(plan, f, results);
                progress?.Report(Interlocked.Increment(ref done));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                errors[w] = e;
                state.Stop();
            }
        });
        // The first failure in sequence and frame order, whatever the thread timing.
        if (errors.FirstOrDefault(e => e != null) is { } error) throw error;

        var objects = new List<DavisObjectResult>();
        foreach (var plan in plans)
            for (int o = 0; o < plan.ObjectCount; o++)
            {
                var j = plan.J[o];
                var f = plan.F[o];
                objects.Add(new DavisObjectResult(plan.Name, o + 1, plan.FrameIds, j, f, DavisStatistics.Of(j), DavisStatistics.Of(f)));
            }
        if (objects.Count == 0) throw new InvalidDataException($"{dataset.ImageSetPath(set, year)}: no object to evaluate (every first annotation is empty).");
        return new DavisEvalResult(objects, set);
    }

    private sealed class SequencePlan
    {
        public required string Name { get; init; }
        public required int ObjectCount { get; init; }
        public required int Height { get; init; }
        public required int Width { get; init; }
        public required string FirstAnnotation { get; init; }
        /// <summary>The evaluated frames: all annotations but the first and the last.</summary>
        public required IReadOnlyList<string> FrameIds { get; init; }
        public required IReadOnlyList<string> AnnotationPaths { get; init; }
        /// <summary>[object][frame]</summary>
        public required double[][] J { get; init; }
        public required double[][] F { get; init; }
    }

    private static SequencePlan Plan(DavisDataset dataset, string name)
    {
        var sequence = dataset.GetSequence(name);
        int annotations = sequence.AnnotationPaths.Count;
        if (annotations < sequence.ImagePaths.Count)
            throw new InvalidDataException(
                $"{dataset.AnnotationsFolder(name)}: {annotations} annotations for {sequence.ImagePaths.Count} frames; the semi-supervised evaluation needs every frame annotated.");
        if (annotations < 3)
            throw new InvalidDataException($"{dataset.AnnotationsFolder(name)}: {annotations} annotated frame(s); at least 3 are needed (the first and last are not evaluated).");
        string firstPath = sequence.AnnotationPaths[0];
        var first = DavisMask.Read(firstPath);
        int k = DavisMask.ObjectCount(first);
        int n = annotations - 2;
        var frameIds = sequence.AnnotationIds.Skip(1).Take(n).ToArray();
        return new SequencePlan
        {
            Name = name,
            ObjectCount = k,
            Height = first.Height,
            Width = first.Width,
            FirstAnnotation = firstPath,
            FrameIds = frameIds,
            AnnotationPaths = sequence.AnnotationPaths.Skip(1).Take(n).ToArray(),
            J = Enumerable.Range(0, k).Select(_ => new double[n]).ToArray(),
            F = Enumerable.Range(0, k).Select(_ => new double[n]).ToArray(),
        };
    }

    private static void EvaluateFrame(SequencePlan plan, int f, DavisResults results)
    {
        string gtPath = plan.AnnotationPaths[f];
        var gt = DavisMask.Read(gtPath);
        if (gt.Width != plan.Width || gt.Height != plan.Height)
            throw new InvalidDataException($"{gtPath}: {gt.Width}x{gt.Height} but the sequence's first annotation {plan.FirstAnnotation} is {plan.Width}x{plan.Height}.");
        var result = results.Read(plan.Name, plan.FrameIds[f]);
        string resultPath = results.PathOf(plan.Name, plan.FrameIds[f]);
        if (result.Width != gt.Width || result.Height != gt.Height)
            throw new InvalidDataException($"{resultPath}: {result.Width}x{result.Height} but the annotation {gtPath} is {gt.Width}x{gt.Height}.");
        if (result.Pixels.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)plan.ObjectCount) >= 0)
        {
            int maxId = result.Pixels.Max();
            throw new InvalidDataException(
                $"{resultPath}: object id {maxId}{(maxId == DavisMask.Void ? " (void)" : "")} but sequence '{plan.Name}' has {plan.ObjectCount} object(s) " +
                $"(the largest id of its first annotation {plan.FirstAnnotation}); the official evaluator stops on this too.");
        }

        var labels = gt.Pixels;
        if (Array.IndexOf(labels, DavisMask.Void) >= 0)
        {
            labels = (byte[])labels.Clone();
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] == DavisMask.Void) labels[i] = 0;
        }
        int k = plan.ObjectCount;
        if (k == 0) return;
        Span<double> j = stackalloc double[k];
        Span<double> fm = stackalloc double[k];
        DavisMeasures.Frame(labels, result.Pixels, gt.Height, gt.Width, k, j, fm);
        for (int o = 0; o < k; o++)
        {
            plan.J[o][f] = j[o];
            plan.F[o][f] = fm[o];
        }
    }
}
