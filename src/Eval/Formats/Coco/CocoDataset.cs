using System.Text.Json;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>
/// A COCO instances file (<c>instances_val2017.json</c> and the like): images, annotations and categories with their
/// real ids, plus the index the evaluators and readers need (image and category by id, annotations per image in
/// file order). Immutable once built.
/// </summary>
public sealed class CocoDataset
{
    private readonly Dictionary<long, CocoImage> _images;
    private readonly Dictionary<long, CocoCategory> _categories;
    private Dictionary<long, List<CocoAnnotation>>? _byImage;

    /// <summary>Builds a dataset; image and category ids must be unique.</summary>
    /// <param name="images">The images (unique ids).</param>
    /// <param name="annotations">Ground-truth instances, in file order.</param>
    /// <param name="categories">The categories (unique ids).</param>
    /// <param name="info">The optional <c>info</c> object.</param>
    /// <param name="licenses">The optional <c>licenses</c> list.</param>
    /// <param name="source">Where the data came from (a path), used in error messages.</param>
    /// <exception cref="InvalidDataException">A duplicate image or category id.</exception>
    public CocoDataset(
        IEnumerable<CocoImage> images,
        IEnumerable<CocoAnnotation> annotations,
        IEnumerable<CocoCategory> categories,
        JsonElement? info = null,
        JsonElement? licenses = null,
        string? source = null)
    {
        Source = source ?? "COCO dataset";
        Images = [.. images];
        Annotations = [.. annotations];
        Categories = [.. categories];
        Info = info?.Clone();
        Licenses = licenses?.Clone();
        _images = new Dictionary<long, CocoImage>(Images.Count);
        foreach (var image in Images)
            if (!_images.TryAdd(image.Id, image))
                throw new InvalidDataException($"{Source}: image id {image.Id} appears twice in 'images'.");
        _categories = new Dictionary<long, CocoCategory>(Categories.Count);
        foreach (var category in Categories)
            if (!_categories.TryAdd(category.Id, category))
                throw new InvalidDataException($"{Source}: category id {category.Id} appears twice in 'categories'.");
    }

    /// <summary>The file the dataset was read from, or a description; used in messages.</summary>
    public string Source { get; }

    /// <summary>Images in file order.</summary>
    public IReadOnlyList<CocoImage> Images { get; }

    /// <summary>Annotations in file order (the order decides COCOeval's ties).</summary>
    public IReadOnlyList<CocoAnnotation> Annotations { get; }

    /// <summary>Categories in file order.</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>The <c>info</c> object, kept for round trips.</summary>
    public JsonElement? Info { get; }

    /// <summary>The <c>licenses</c> list, kept for round trips.</summary>
    public JsonElement? Licenses { get; }

    public bool TryGetImage(long id, out CocoImage image) => _images.TryGetValue(id, out image!);

    public bool TryGetCategory(long id, out CocoCategory category) => _categories.TryGetValue(id, out category!);

    /// <summary>The image with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such image.</exception>
    public CocoImage GetImage(long id) =>
        _images.TryGetValue(id, out var image) ? image : throw new KeyNotFoundException($"{Source}: no image with id {id}.");

    /// <summary>The category with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such category.</exception>
    public CocoCategory GetCategory(long id) =>
        _categories.TryGetValue(id, out var category) ? category : throw new KeyNotFoundException($"{Source}: no category with id {id}.");

    /// <summary>The annotations of one image in file order (empty for an unknown id or an image without any).</summary>
    public IReadOnlyList<CocoAnnotation> AnnotationsOf(long imageId)
    {
        var index = _byImage ??= BuildImageIndex();
        return index.TryGetValue(imageId, out var list) ? list : [];
    }

    /// <summary>Sorted unique image ids (COCOeval's default <c>imgIds</c>).</summary>
    public long[] SortedImageIds()
    {
        var ids = _images.Keys.ToArray();
        Array.Sort(ids);
        return ids;
    }

    /// <summary>Sorted unique category ids (COCOeval's default <c>catIds</c>).</summary>
    public long[] SortedCategoryIds()
    {
        var ids = _categories.Keys.ToArray();
        Array.Sort(ids);
        return ids;
    }

    /// <summary>Reads a COCO instances JSON file.</summary>
    /// <exception cref="InvalidDataException">Malformed JSON (with line and column) or a malformed entry.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static CocoDataset Load(string path) => CocoJsonReader.ReadDataset(JsonSource.Open(path));

    /// <summary>Parses COCO instances JSON from UTF-8 bytes; <paramref name="sourceName"/> is used in messages.</summary>
    public static CocoDataset Parse(byte[] utf8Json, string sourceName = "COCO JSON") =>
        CocoJsonReader.ReadDataset(new JsonSource(sourceName, utf8Json));

    /// <summary>Writes the dataset as COCO instances JSON (atomically: a temporary file, then a rename).</summary>
    public void Save(string path) => CocoJsonWriter.WriteDataset(path, this);

    private Dictionary<long, List<CocoAnnotation>> BuildImageIndex()
    {
        var index = new Dictionary<long, List<CocoAnnotation>>();
        foreach (var a in Annotations)
        {
            if (!index.TryGetValue(a.ImageId, out var list)) index[a.ImageId] = list = [];
            list.Add(a);
        }
        return index;
    }
}
