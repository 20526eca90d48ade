using PerceptionEncoder.Eval.Formats.Nyu;

namespace PerceptionEncoder.Eval.Nyu;

/// <summary>One GT file and its prediction; <see cref="Name"/> is the GT path relative to its folder without extension.</summary>
public sealed record DepthPair(string Name, string GroundTruthPath, string PredictionPath);

/// <summary>The per-image metrics (in pairing order) and their mean over images.</summary>
public sealed record NyuEvalResult(IReadOnlyList<(string Name, DepthMetrics Metrics)> PerImage, DepthMetrics Mean)
{
    public int Count => PerImage.Count;

    /// <summary>Images whose GT has no valid pixel (their metrics are NaN, as in the reference, and so is the mean).</summary>
    public IEnumerable<string> EmptyImages => PerImage.Where(p => p.Metrics.ValidPixels == 0).Select(p => p.Name);
}

/// <summary>Pairs GT and prediction files (by folder or by a BTS split list) and evaluates them (in parallel).</summary>
public static class NyuEvaluation
{
    private static readonly string[] DepthExtensions = [".png", ".npy"];

    /// <summary>
    /// Pairs every depth file under <paramref name="groundTruthFolder"/> (.png uint16 mm or .npy float32 m,
    /// recursively) with the file of the same relative path without extension under <paramref name="predictionFolder"/>
    /// (.npy or .png).
    /// </summary>
    /// <exception cref="InvalidDataException">No GT files, a GT file without prediction, or two candidate files for one name.</exception>
    public static IReadOnlyList<DepthPair> PairFolders(string groundTruthFolder, string predictionFolder, out int unusedPredictions)
    {
        if (!Directory.Exists(groundTruthFolder)) throw new DirectoryNotFoundException($"{groundTruthFolder}: GT folder not found.");
        if (!Directory.Exists(predictionFolder)) throw new DirectoryNotFoundException($"{predictionFolder}: prediction folder not found.");
        var gt = IndexByStem(groundTruthFolder, "GT");
        var pred = IndexByStem(predictionFolder, "prediction");
        if (gt.Count == 0) throw new InvalidDataException($"{groundTruthFolder}: no .png or .npy depth files.");
        var pairs = new List<DepthPair>(gt.Count);
        foreach (var (name, gtPath) in gt.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!pred.TryGetValue(name, out var predPath))
                throw new InvalidDataException($"{gtPath}: no prediction {Path.Combine(predictionFolder, name)}.npy or .png.");
            pairs.Add(new DepthPair(name, gtPath, predPath));
        }
        unusedPredictions = pred.Keys.Count(k => !gt.ContainsKey(k));
        return pairs;
    }

    /// <summary>
    /// Pairs the entries of a BTS split list: GT = <paramref name="groundTruthFolder"/>/&lt;depth path&gt;; prediction =
    /// <paramref name="predictionFolder"/>/&lt;depth path without extension&gt;.npy|.png, or else the same with the RGB
    /// path. Entries whose depth path is <c>None</c> are skipped.
    /// </summary>
    public static IReadOnlyList<DepthPair> PairSplit(string splitFile, string groundTruthFolder, string predictionFolder)
    {
        var pairs = new List<DepthPair>();
        foreach (var entry in BtsSplit.Load(splitFile))
        {
            if (entry.DepthPath == null) continue;
            string gtPath = Path.Combine(groundTruthFolder, entry.DepthPath);
            if (!File.Exists(gtPath)) throw new FileNotFoundException($"{gtPath}: GT file of {splitFile} line {entry.Line} not found.", gtPath);
            string name = StripExtension(entry.DepthPath);
            string? predPath = FindPrediction(predictionFolder, name) ?? FindPrediction(predictionFolder, StripExtension(entry.RgbPath));
            if (predPath == null)
                throw new FileNotFoundException($"{Path.Combine(predictionFolder, name)}.npy: prediction for {splitFile} line {entry.Line} not found (also tried the RGB name).");
            pairs.Add(new DepthPair(name, gtPath, predPath));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{splitFile}: no entry with a depth file.");
        return pairs;
    }

    /// <summary>Reads and evaluates every pair on <paramref name="threads"/> threads; errors name the files.</summary>
    public static NyuEvalResult Evaluate(IReadOnlyList<DepthPair> pairs, DepthEvalOptions? options = null, int? threads = null, IProgress<int>? progress = null)
    {
        options ??= new DepthEvalOptions();
        var metrics = new DepthMetrics[pairs.Count];
        int done = 0;
        Parallel.For(0, pairs.Count, new ParallelOptions { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount }, i =>
        {
            var pair = pairs[i];
            var gt = DepthMap.Read(pair.GroundTruthPath);
            var pred = DepthMap.Read(pair.PredictionPath);
            try
            {
                metrics[i] = DepthEvaluator.Evaluate(gt, pred, options);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{pair.PredictionPath} vs {pair.GroundTruthPath}: {e.Message}");
            }
            progress?.Report(Interlocked.Increment(ref done));
        });
        var perImage = pairs.Select((p, i) => (p.Name, metrics[i])).ToList();
        return new NyuEvalResult(perImage, DepthEvaluator.Mean(metrics));
    }

    private static Dictionary<string, string> IndexByStem(string folder, string what)
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            string ext = Path.GetExtension(file).ToLowerInvariant();
            if (!DepthExtensions.Contains(ext) || Path.GetFileName(file).StartsWith('.')) continue;
            string name = StripExtension(Path.GetRelativePath(folder, file)).Replace('\\', '/');
            if (!index.TryAdd(name, file))
                throw new InvalidDataException($"{file}: two {what} files named '{name}' ({index[name]} too); keep one.");
        }
        return index;
    }

    private static string? FindPrediction(string folder, string name)
    {
        foreach (string ext in (string[])[".npy", ".png"])
        {
            string path = Path.Combine(folder, name + ext);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static string StripExtension(string path)
    {
        string ext = Path.GetExtension(path);
        return ext.Length == 0 ? path : path[..^ext.Length];
    }
}
