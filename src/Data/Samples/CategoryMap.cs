namespace PerceptionEncoder.Data.Samples;

/// <summary>
/// The categories of a dataset, with contiguous labels 0..K-1 assigned in increasing id order (as detectron2 does
/// for COCO: ids 1..90 with gaps become labels 0..79). Heads predict labels; results are written with ids.
/// </summary>
public sealed class CategoryMap
{
    private readonly Dictionary<int, Category> _byId;

    public CategoryMap(IEnumerable<(int Id, string Name, string? Supercategory)> categories)
    {
        var sorted = categories.OrderBy(c => c.Id).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Id == sorted[i - 1].Id)
                throw new ArgumentException($"category id {sorted[i].Id} appears twice.");
        Categories = sorted.Select((c, label) => new Category(c.Id, c.Name, label, c.Supercategory)).ToList();
        _byId = Categories.ToDictionary(c => c.Id);
    }

    /// <summary>In label order.</summary>
    public IReadOnlyList<Category> Categories { get; }

    public int Count => Categories.Count;

    public bool Contains(int id) => _byId.ContainsKey(id);

    public int LabelOf(int id) => _byId.TryGetValue(id, out var c) ? c.Label
        : throw new KeyNotFoundException($"category id {id} is not one of the dataset's {Count} categories.");

    public int IdOf(int label) => label >= 0 && label < Count ? Categories[label].Id
        : throw new ArgumentOutOfRangeException(nameof(label), $"label {label} is outside 0..{Count - 1}.");

    public string NameOf(int id) => _byId.TryGetValue(id, out var c) ? c.Name : $"category {id}";
}
