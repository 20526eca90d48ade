using System.Text.Json.Serialization;

namespace PerceptionEncoder.Heads.Detection;

/// <summary>A category as the dataset names it: its COCO id (not necessarily contiguous) and its name.</summary>
public sealed record DetectionCategory(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name);

/// <summary>
/// The categories a detector predicts, in class-index order: class index k of the head is category
/// <c>this[k]</c>. Maps between contiguous indices and the dataset's real ids.
/// </summary>
public sealed class DetectionCategories
{
    private readonly Dictionary<int, int> _indexOfId;

    public DetectionCategories(IEnumerable<DetectionCategory> categories)
    {
        All = categories.ToArray();
        if (All.Count == 0) throw new ArgumentException("a detector needs at least one category.");
        _indexOfId = new Dictionary<int, int>();
        for (int i = 0; i < All.Count; i++)
        {
            if (!_indexOfId.TryAdd(All[i].Id, i))
                throw new ArgumentException($"category id {All[i].Id} appears twice (\"{All[_indexOfId[All[i].Id]].Name}\" and \"{All[i].Name}\").");
        }
    }

    public IReadOnlyList<DetectionCategory> All { get; }

    public int Count => All.Count;

    public DetectionCategory this[int classIndex] => All[classIndex];

    /// <summary>The class index of category <paramref name="id"/>, or -1 when the detector does not know it.</summary>
    public int IndexOf(int id) => _indexOfId.GetValueOrDefault(id, -1);
}
