using PerceptionEncoder.Data.Loading;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Datasets;

/// <summary>
/// A COCO instances dataset (an annotation file read by <see cref="Eval.Formats.Coco.CocoDataset"/> and its image
/// folder) as samples: one item per image, in increasing image id order, id = the image id. Boxes come from
/// <c>bbox</c>, categories keep their real ids (contiguous labels in id order), crowd regions are flagged, and masks
/// are the polygons or RLE rasterised by the pycocotools-exact mask API (<see cref="Rle"/>).
/// </summary>
public sealed class CocoSampleSource : ISampleSource
{
    private readonly CocoImage[] _images;
    private readonly List<string> _skippedAnnotations = [];

    /// <param name="annotationFile">An instances JSON file.</param>
    /// <param name="imageFolder">The folder the images' <c>file_name</c>s are relative to.</param>
    /// <param name="skipBad">
    /// Drop annotations that point nowhere (unknown image or category) and count them in
    /// <see cref="SkippedAnnotations"/>, instead of failing.
    /// </param>
    /// <exception cref="InvalidDataException">Malformed JSON, or (without <paramref name="skipBad"/>) an annotation that points nowhere.</exception>
    /// <exception cref="FileNotFoundException">The annotation file is missing.</exception>
    public CocoSampleSource(string annotationFile, string imageFolder, bool skipBad = false)
    {
        AnnotationFile = annotationFile;
        ImageFolder = imageFolder;
        var raw = Eval.Formats.Coco.CocoDataset.Load(annotationFile);
        var kept = new List<CocoAnnotation>();
        foreach (var a in raw.Annotations)
        {
            string? problem = !raw.TryGetImage(a.ImageId, out _) ? $"image_id {a.ImageId} is not in 'images'"
                : !raw.TryGetCategory(a.CategoryId, out _) ? $"category_id {a.CategoryId} is not in 'categories'"
                : null;
            if (problem == null)
            {
                kept.Add(a);
                continue;
            }
            string message = $"{annotationFile}: annotation {a.Id}: {problem}.";
            if (!skipBad) throw new InvalidDataException(message + " Fix the file, or use --skip-bad to leave such annotations out.");
            _skippedAnnotations.Add(message);
        }
        Dataset = kept.Count == raw.Annotations.Count ? raw
            : new Eval.Formats.Coco.CocoDataset(raw.Images, kept, raw.Categories, raw.Info, raw.Licenses, raw.Source);
        _images = [.. Dataset.Images.OrderBy(i => i.Id)];
        Categories = new CategoryMap(Dataset.Categories.Select(c => (checked((int)c.Id), c.Name, c.Supercategory)));
        Name = $"coco {Path.GetFileNameWithoutExtension(annotationFile)}";
    }

    /// <summary>The split <c>NAME</c> of the standard layout: <c>coco/annotations/instances_NAME.json</c> and <c>coco/NAME/</c>.</summary>
    /// <param name="dataRoot">The datasets root (or its <c>coco</c> folder); null: <c>PE_DATASETS</c>.</param>
    /// <param name="split">e.g. <c>val2017</c>.</param>
    /// <param name="skipBad">See the constructor.</param>
    public static CocoSampleSource Open(string? dataRoot, string split, bool skipBad = false)
    {
        string coco = DatasetRoot.DatasetFolder(DatasetRoot.Resolve(dataRoot), DatasetRoot.CocoFolder,
            d => Directory.Exists(Path.Combine(d, "annotations")), "annotations/ folder");
        string annotations = Path.Combine(coco, "annotations", $"instances_{split}.json");
        if (!File.Exists(annotations))
            throw new FileNotFoundException($"{annotations}: COCO annotation file of split '{split}' not found (see datasets/README.md).", annotations);
        string images = Path.Combine(coco, split);
        if (!Directory.Exists(images))
            throw new DirectoryNotFoundException($"{images}: COCO image folder of split '{split}' not found (see datasets/README.md).");
        return new CocoSampleSource(annotations, images, skipBad);
    }

    public string AnnotationFile { get; }

    public string ImageFolder { get; }

    /// <summary>The annotation file as read (without the annotations that were skipped).</summary>
    public Eval.Formats.Coco.CocoDataset Dataset { get; }

    /// <summary>Messages (naming the file and annotation) of annotations left out in skip-bad mode.</summary>
    public IReadOnlyList<string> SkippedAnnotations => _skippedAnnotations;

    public string Name { get; }

    public int Count => _images.Length;

    public CategoryMap Categories { get; }

    CategoryMap? ISampleSource.Categories => Categories;

    /// <summary>The COCO image entry of item <paramref name="index"/>.</summary>
    public CocoImage ImageAt(int index) => _images[index];

    public string ItemId(int index) => _images[index].Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string ItemPath(int index) => Path.Combine(ImageFolder, _images[index].FileName);

    public Sample Load(int index, SampleParts parts)
    {
        var image = _images[index];
        string path = ItemPath(index);
        RgbImage? rgb = null;
        if ((parts & SampleParts.Image) != 0)
        {
            rgb = ImageFile.ReadRgb(path);
            if (rgb.Width != image.Width || rgb.Height != image.Height)
                throw new InvalidDataException(
                    $"{path}: the image is {rgb.Width}x{rgb.Height} but {AnnotationFile} says {image.Width}x{image.Height} (image {image.Id}).");
        }
        List<Instance>? instances = null;
        if ((parts & (SampleParts.Detection | SampleParts.Masks)) != 0)
        {
            instances = [];
            foreach (var a in Dataset.AnnotationsOf(image.Id))
                if (ToInstance(a, image, (parts & SampleParts.Masks) != 0) is { } instance)
                    instances.Add(instance);
        }
        return Sample.Create(ItemId(index), image.Width, image.Height, path) with { Image = rgb, Instances = instances };
    }

    private Instance? ToInstance(CocoAnnotation a, CocoImage image, bool withMask)
    {
        Rle? rle = null;
        if (withMask || a.Bbox == null)
        {
            try
            {
                rle = a.Segmentation?.ToRle(image.Height, image.Width);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{AnnotationFile}: annotation {a.Id} (image {image.Id}): bad segmentation ({e.Message}).", e);
            }
            if (rle != null && (rle.Height != image.Height || rle.Width != image.Width))
                throw new InvalidDataException(
                    $"{AnnotationFile}: annotation {a.Id}: RLE of size [{rle.Height}, {rle.Width}] on image {image.Id} of size [{image.Height}, {image.Width}].");
        }
        var xywh = a.Bbox ?? rle?.ToBbox()
            ?? throw new InvalidDataException($"{AnnotationFile}: annotation {a.Id} has neither 'bbox' nor 'segmentation'.");
        var box = BoxF.FromXywh(xywh.X, xywh.Y, xywh.Width, xywh.Height).Clip(image.Width, image.Height);
        if (box.Width <= 0 || box.Height <= 0) return null; // degenerate boxes teach nothing
        BinaryMask? mask = null;
        if (withMask)
            mask = new BinaryMask(image.Width, image.Height,
                (rle ?? Rle.FromBbox(new BoxXywh(xywh.X, xywh.Y, xywh.Width, xywh.Height), image.Height, image.Width)).Decode());
        int categoryId = checked((int)a.CategoryId);
        return new Instance(a.Id, categoryId, Categories.LabelOf(categoryId), box, a.IsCrowd, a.Area, mask);
    }
}
