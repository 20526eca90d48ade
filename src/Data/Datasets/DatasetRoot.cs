namespace PerceptionEncoder.Data.Datasets;

/// <summary>
/// The one folder that holds the datasets (datasets/README.md): <c>--data-root</c>, else the environment variable
/// <c>PE_DATASETS</c>. Each dataset sits in its own sub-folder (<c>coco</c>, <c>nyu_depth_v2</c>, <c>DAVIS</c>);
/// the root may also be that sub-folder itself.
/// </summary>
public static class DatasetRoot
{
    public const string EnvironmentVariable = "PE_DATASETS";

    public const string CocoFolder = "coco";
    public const string NyuFolder = "nyu_depth_v2";
    public const string DavisFolder = "DAVIS";

    /// <summary>The given root, or <c>PE_DATASETS</c> when none is given.</summary>
    /// <exception cref="ArgumentException">Neither is set.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static string Resolve(string? dataRoot)
    {
        string? root = string.IsNullOrWhiteSpace(dataRoot) ? Environment.GetEnvironmentVariable(EnvironmentVariable) : dataRoot;
        if (string.IsNullOrWhiteSpace(root))
            throw new ArgumentException($"no dataset folder: pass --data-root DIR or set {EnvironmentVariable} (see datasets/README.md).");
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException(
                $"{root}: dataset folder not found" + (string.IsNullOrWhiteSpace(dataRoot) ? $" (from {EnvironmentVariable})." : "."));
        return Path.GetFullPath(root);
    }

    /// <summary>
    /// The folder of one dataset: <c>root/name</c> when it exists, else <paramref name="root"/> itself when
    /// <paramref name="isDatasetFolder"/> says it already is that dataset.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">Neither; the message names what was looked for.</exception>
    public static string DatasetFolder(string root, string name, Func<string, bool> isDatasetFolder, string marker)
    {
        string nested = Path.Combine(root, name);
        if (Directory.Exists(nested)) return nested;
        if (isDatasetFolder(root)) return root;
        throw new DirectoryNotFoundException(
            $"{nested}: not found, and {root} is not a {name} folder itself (no {marker}); see datasets/README.md for the layout.");
    }
}
