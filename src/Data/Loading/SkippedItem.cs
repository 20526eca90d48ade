namespace PerceptionEncoder.Data.Loading;

/// <summary>An item left out because it could not be read (skip-bad mode), with the reason (which names the file).</summary>
public sealed record SkippedItem(int Index, string Id, string Path, string Reason)
{
    /// <summary>Whether <paramref name="e"/> is a problem with the item's files (skippable) rather than a bug.</summary>
    public static bool IsBadItem(Exception e) => e is InvalidDataException or IOException or UnauthorizedAccessException;
}
