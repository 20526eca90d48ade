using PerceptionEncoder.Data.Samples;

namespace PerceptionEncoder.Data.Loading;

/// <summary>
/// A dataset as a list of items: ids and paths are cheap (no decoding), <see cref="Load"/> reads one item. Readers
/// are thread-safe: the loader calls <see cref="Load"/> from several threads.
/// </summary>
public interface ISampleSource
{
    /// <summary>What the source is, for messages and manifests, e.g. <c>coco val2017</c>.</summary>
    string Name { get; }

    int Count { get; }

    /// <summary>The categories of a detection dataset; null otherwise.</summary>
    CategoryMap? Categories { get; }

    /// <summary>Stable id of item <paramref name="index"/>, unique in the source.</summary>
    string ItemId(int index);

    /// <summary>The image file of item <paramref name="index"/>.</summary>
    string ItemPath(int index);

    /// <summary>
    /// Reads item <paramref name="index"/>: the image (when <paramref name="parts"/> has <see cref="SampleParts.Image"/>) and
    /// the targets the source has among those asked for.
    /// </summary>
    /// <exception cref="InvalidDataException">A corrupt image or annotation; the message names the file.</exception>
    /// <exception cref="FileNotFoundException">A file of the item is missing; the message names it.</exception>
    Sample Load(int index, SampleParts parts);
}
