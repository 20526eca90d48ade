using PerceptionEncoder.Data.Loading;

namespace PerceptionEncoder.Data.Datasets;

/// <summary>Opens a dataset by the names the CLI uses (<c>--dataset coco|nyu|davis|folder</c>).</summary>
public static class DatasetKinds
{
    public static IReadOnlyList<string> Names { get; } = ["coco", "nyu", "davis", "folder"];

    /// <param name="kind"><c>coco</c>, <c>nyu</c>, <c>davis</c> or <c>folder</c>.</param>
    /// <param name="dataRoot">The datasets root; null: <c>PE_DATASETS</c>.</param>
    /// <param name="split">The split (COCO <c>val2017</c>, NYU <c>test</c>, DAVIS <c>val</c>, a sub-folder).</param>
    /// <param name="skipBad">COCO: leave out annotations that point nowhere instead of failing.</param>
    public static ISampleSource Open(string kind, string? dataRoot, string split, bool skipBad = false) => kind switch
    {
        "coco" => CocoSampleSource.Open(dataRoot, split, skipBad),
        "nyu" => NyuSampleSource.Open(dataRoot, split),
        "davis" => DavisSampleSource.Open(dataRoot, split),
        "folder" => ImageFolderSource.Open(dataRoot, split),
        _ => throw new ArgumentException($"dataset '{kind}' is not one of {string.Join(", ", Names)}."),
    };
}
