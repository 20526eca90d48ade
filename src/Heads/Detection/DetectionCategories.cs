namespace PerceptionEncoder.Heads.Detection;

/// <summary>
/// The categories a detector predicts, in class-index order: class index k of the head is category
/// <c>this[k]</c> (a dataset's contiguous labels, i.e. its categories in increasing id order). Maps between class
/// indices and the dataset's real ids.
/// </summary>
public sealed class DetectionCategories
{
    private readonly Dictionary<int, int> _indexOfId;

    public DetectionCategories(IEnumerable<HeadCategory> categories)
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

    public IReadOnlyList<HeadCategory> All { get; }

    public int Count => All.Count;

    public HeadCategory this[int classIndex] => All[classIndex];

    /// <summary>The class index of category <paramref name="id"/>, or -1 when the detector does not know it.</summary>
    public int IndexOf(int id) => _indexOfId.GetValueOrDefault(id, -1);
}
