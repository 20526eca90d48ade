using System.Text.Json;
using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>
/// Streaming reader of COCO instances and results JSON over an in-memory UTF-8 buffer (no DOM, no reflection:
/// the 55 MB benchmark file parses in a fraction of a second). Every error names the file, the line and column,
/// and the entry.
/// </summary>
internal static class CocoJsonReader
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 64 };

    public static CocoDataset ReadDataset(JsonSource source)
    {
        var images = new List<CocoImage>();
        var annotations = new List<CocoAnnotation>();
        var categories = new List<CocoCategory>();
        JsonElement? info = null, licenses = null;
        var where = new Where();
        var r = new Utf8JsonReader(source.Content, Options);
        try
        {
            Next(ref r);
            if (r.TokenType != JsonTokenType.StartObject)
                throw source.Error(r.TokenStartIndex, "expected a JSON object with 'images', 'annotations' and 'categories' (a COCO instances file).");
            bool sawImages = false, sawCategories = false;
            while (Next(ref r) == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("images"u8))
                {
                    Next(ref r);
                    ReadArray(ref r, source, "images", (ref Utf8JsonReader x, int i) => images.Add(ReadImage(ref x, source, where.Set($"images[{i}]"))));
                    sawImages = true;
                }
                else if (r.ValueTextEquals("annotations"u8))
                {
                    Next(ref r);
                    ReadArray(ref r, source, "annotations", (ref Utf8JsonReader x, int i) => annotations.Add(ReadAnnotation(ref x, source, where.Set($"annotations[{i}]"))));
                }
                else if (r.ValueTextEquals("categories"u8))
                {
                    Next(ref r);
                    ReadArray(ref r, source, "categories", (ref Utf8JsonReader x, int i) => categories.Add(ReadCategory(ref x, source, where.Set($"categories[{i}]"))));
                    sawCategories = true;
                }
                else if (r.ValueTextEquals("info"u8))
                {
                    Next(ref r);
                    info = JsonElement.ParseValue(ref r);
                }
                else if (r.ValueTextEquals("licenses"u8))
                {
                    Next(ref r);
                    licenses = JsonElement.ParseValue(ref r);
                }
                else r.Skip();
                where.Clear();
            }
            if (!sawImages) throw new InvalidDataException($"{source.Name}: no 'images' list (not a COCO instances file?).");
            if (!sawCategories) throw new InvalidDataException($"{source.Name}: no 'categories' list (not a COCO instances file?).");
        }
        catch (JsonException e)
        {
            throw source.Malformed(e, where.Context);
        }
        return new CocoDataset(images, annotations, categories, info, licenses, source.Name);
    }

    public static List<CocoDetection> ReadResults(JsonSource source)
    {
        var results = new List<CocoDetection>();
        var where = new Where();
        var r = new Utf8JsonReader(source.Content, Options);
        try
        {
            Next(ref r);
            if (r.TokenType != JsonTokenType.StartArray)
                throw source.Error(r.TokenStartIndex, "expected a JSON array of results [{\"image_id\", \"category_id\", \"bbox\" or \"segmentation\", \"score\"}, ...].");
            int index = 0;
            while (Next(ref r) != JsonTokenType.EndArray)
                results.Add(ReadDetection(ref r, source, where.Set($"result #{index}"), index++));
        }
        catch (JsonException e)
        {
            throw source.Malformed(e, where.Context);
        }
        return results;
    }

    private sealed class Where
    {
        public string? Context { get; private set; }

        public string Set(string context) => Context = context;

        public void Clear() => Context = null;
    }

    private delegate void ElementReader(ref Utf8JsonReader reader, int index);

    private static JsonTokenType Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new JsonException("unexpected end of the file.");
        return r.TokenType;
    }

    private static void ReadArray(ref Utf8JsonReader r, JsonSource source, string name, ElementReader element)
    {
        if (r.TokenType != JsonTokenType.StartArray) throw source.Error(r.TokenStartIndex, $"'{name}' must be a list.");
        int i = 0;
        while (Next(ref r) != JsonTokenType.EndArray) element(ref r, i++);
    }

    private static void ExpectObject(ref Utf8JsonReader r, JsonSource source, string where)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw source.Error(r.TokenStartIndex, $"{where}: expected an object.");
    }

    private static CocoImage ReadImage(ref Utf8JsonReader r, JsonSource source, string where)
    {
        long start = r.TokenStartIndex;
        ExpectObject(ref r, source, where);
        long? id = null;
        int? width = null, height = null;
        string fileName = "";
        while (Next(ref r) == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("id"u8)) { Next(ref r); id = ReadInt64(ref r, source, where, "id"); }
            else if (r.ValueTextEquals("width"u8)) { Next(ref r); width = ReadSize(ref r, source, where, "width"); }
            else if (r.ValueTextEquals("height"u8)) { Next(ref r); height = ReadSize(ref r, source, where, "height"); }
            else if (r.ValueTextEquals("file_name"u8)) { Next(ref r); fileName = ReadString(ref r, source, where, "file_name"); }
            else r.Skip();
        }
        if (id == null) throw source.Error(start, $"{where}: no 'id'.");
        if (width == null || height == null) throw source.Error(start, $"{where} (id {id}): no 'width'/'height'.");
        return new CocoImage(id.Value, width.Value, height.Value, fileName);
    }

    private static CocoCategory ReadCategory(ref Utf8JsonReader r, JsonSource source, string where)
    {
        long start = r.TokenStartIndex;
        ExpectObject(ref r, source, where);
        long? id = null;
        string name = "";
        string? supercategory = null;
        while (Next(ref r) == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("id"u8)) { Next(ref r); id = ReadInt64(ref r, source, where, "id"); }
            else if (r.ValueTextEquals("name"u8)) { Next(ref r); name = ReadString(ref r, source, where, "name"); }
            else if (r.ValueTextEquals("supercategory"u8)) { Next(ref r); supercategory = ReadString(ref r, source, where, "supercategory"); }
            else r.Skip();
        }
        if (id == null) throw source.Error(start, $"{where}: no 'id'.");
        return new CocoCategory(id.Value, name, supercategory);
    }

    private static CocoAnnotation ReadAnnotation(ref Utf8JsonReader r, JsonSource source, string where)
    {
        long start = r.TokenStartIndex;
        ExpectObject(ref r, source, where);
        long? id = null, imageId = null, categoryId = null;
        double? area = null;
        BoxXywh? bbox = null;
        bool crowd = false;
        bool? ignore = null;
        CocoSegmentation? segmentation = null;
        while (Next(ref r) == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("id"u8)) { Next(ref r); id = ReadInt64(ref r, source, where, "id"); }
            else if (r.ValueTextEquals("image_id"u8)) { Next(ref r); imageId = ReadInt64(ref r, source, where, "image_id"); }
            else if (r.ValueTextEquals("category_id"u8)) { Next(ref r); categoryId = ReadInt64(ref r, source, where, "category_id"); }
            else if (r.ValueTextEquals("area"u8)) { Next(ref r); area = ReadFinite(ref r, source, where, "area"); }
            else if (r.ValueTextEquals("bbox"u8)) { Next(ref r); bbox = ReadBox(ref r, source, where); }
            else if (r.ValueTextEquals("iscrowd"u8)) { Next(ref r); crowd = ReadFlag(ref r, source, where, "iscrowd"); }
            else if (r.ValueTextEquals("ignore"u8)) { Next(ref r); ignore = ReadFlag(ref r, source, where, "ignore"); }
            else if (r.ValueTextEquals("segmentation"u8)) { Next(ref r); segmentation = ReadSegmentation(ref r, source, where); }
            else r.Skip();
        }
        if (id == null || imageId == null || categoryId == null)
            throw source.Error(start, $"{where}: needs 'id', 'image_id' and 'category_id'.");
        if (area == null)
            throw source.Error(start, $"{where} (id {id}): no 'area' (COCOeval uses the area field for its size ranges).");
        return new CocoAnnotation
        {
            Id = id.Value,
            ImageId = imageId.Value,
            CategoryId = categoryId.Value,
            Area = area.Value,
            Bbox = bbox,
            IsCrowd = crowd,
            Ignore = ignore,
            Segmentation = segmentation,
        };
    }

    private static CocoDetection ReadDetection(ref Utf8JsonReader r, JsonSource source, string where, int index)
    {
        long start = r.TokenStartIndex;
        ExpectObject(ref r, source, where);
        long? imageId = null, categoryId = null;
        double? score = null;
        long scoreAt = start;
        BoxXywh? bbox = null;
        CocoSegmentation? segmentation = null;
        while (Next(ref r) == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("image_id"u8)) { Next(ref r); imageId = ReadInt64(ref r, source, where, "image_id"); }
            else if (r.ValueTextEquals("category_id"u8)) { Next(ref r); categoryId = ReadInt64(ref r, source, where, "category_id"); }
            else if (r.ValueTextEquals("score"u8)) { Next(ref r); scoreAt = r.TokenStartIndex; score = ReadNumber(ref r, source, where, "score"); }
            else if (r.ValueTextEquals("bbox"u8)) { Next(ref r); bbox = ReadBox(ref r, source, where); }
            else if (r.ValueTextEquals("segmentation"u8)) { Next(ref r); segmentation = ReadSegmentation(ref r, source, where); }
            else r.Skip();
        }
        if (imageId == null || categoryId == null || score == null)
            throw source.Error(start, $"{where}: needs 'image_id', 'category_id' and 'score'.");
        string entry = $"{where} (image_id {imageId}, category_id {categoryId})";
        if (!double.IsFinite(score.Value) || score.Value < 0)
            throw source.Error(scoreAt, $"{entry}: score {score.Value} is not a finite non-negative number.");
        if (bbox is { } box && (box.Width < 0 || box.Height < 0))
            throw source.Error(start, $"{entry}: bbox {box} has a negative width or height.");
        if (bbox == null && segmentation == null)
            throw source.Error(start, $"{entry}: has neither 'bbox' nor 'segmentation'.");
        return new CocoDetection { ImageId = imageId.Value, CategoryId = categoryId.Value, Score = score.Value, Bbox = bbox, Segmentation = segmentation };
    }

    private static BoxXywh? ReadBox(ref Utf8JsonReader r, JsonSource source, string where)
    {
        long start = r.TokenStartIndex;
        if (r.TokenType != JsonTokenType.StartArray) throw source.Error(start, $"{where}: 'bbox' must be a list [x, y, w, h].");
        Span<double> v = stackalloc double[4];
        int n = 0;
        while (Next(ref r) != JsonTokenType.EndArray)
        {
            double value = ReadFinite(ref r, source, where, "bbox");
            if (n < 4) v[n] = value;
            n++;
        }
        if (n == 0) return null; // pycocotools treats "bbox": [] as absent
        if (n != 4) throw source.Error(start, $"{where}: 'bbox' has {n} numbers; expected [x, y, w, h].");
        return new BoxXywh(v[0], v[1], v[2], v[3]);
    }

    private static CocoSegmentation? ReadSegmentation(ref Utf8JsonReader r, JsonSource source, string where)
    {
        long start = r.TokenStartIndex;
        switch (r.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartArray:
                var polygons = new List<double[]>();
                var buffer = new List<double>();
                while (Next(ref r) != JsonTokenType.EndArray)
                {
                    if (r.TokenType != JsonTokenType.StartArray)
                        throw source.Error(r.TokenStartIndex, $"{where}: a polygon segmentation must be a list of lists [[x0, y0, x1, y1, ...], ...].");
                    buffer.Clear();
                    while (Next(ref r) != JsonTokenType.EndArray) buffer.Add(ReadFinite(ref r, source, where, "segmentation"));
                    polygons.Add([.. buffer]);
                }
                return new PolygonSegmentation(polygons);
            case JsonTokenType.StartObject:
                int? height = null, width = null;
                string? text = null;
                List<uint>? counts = null;
                while (Next(ref r) == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("size"u8))
                    {
                        Next(ref r);
                        long at = r.TokenStartIndex;
                        if (r.TokenType != JsonTokenType.StartArray) throw source.Error(at, $"{where}: RLE 'size' must be [height, width].");
                        var size = new List<int>(2);
                        while (Next(ref r) != JsonTokenType.EndArray) size.Add(ReadSize(ref r, source, where, "size"));
                        if (size.Count != 2) throw source.Error(at, $"{where}: RLE 'size' must be [height, width].");
                        (height, width) = (size[0], size[1]);
                    }
                    else if (r.ValueTextEquals("counts"u8))
                    {
                        Next(ref r);
                        if (r.TokenType == JsonTokenType.String) text = r.GetString();
                        else if (r.TokenType == JsonTokenType.StartArray)
                        {
                            counts = [];
                            while (Next(ref r) != JsonTokenType.EndArray)
                            {
                                long c = ReadInt64(ref r, source, where, "counts");
                                if (c is < 0 or > uint.MaxValue) throw source.Error(r.TokenStartIndex, $"{where}: RLE count {c} is out of range.");
                                counts.Add((uint)c);
                            }
                        }
                        else throw source.Error(r.TokenStartIndex, $"{where}: RLE 'counts' must be a string or a list of integers.");
                    }
                    else r.Skip();
                }
                if (height == null || (text == null && counts == null))
                    throw source.Error(start, $"{where}: an RLE segmentation needs 'size' and 'counts'.");
                try
                {
                    return text != null
                        ? new RleSegmentation(Rle.FromCompressedString(text, height.Value, width!.Value), Compressed: true)
                        : new RleSegmentation(new Rle(height.Value, width!.Value, counts!.ToArray()), Compressed: false);
                }
                catch (ArgumentException e)
                {
                    throw source.Error(start, $"{where}: invalid RLE: {e.Message}");
                }
            default:
                throw source.Error(start, $"{where}: 'segmentation' must be a polygon list or an RLE object.");
        }
    }

    private static long ReadInt64(ref Utf8JsonReader r, JsonSource source, string where, string name)
    {
        if (r.TokenType == JsonTokenType.Number)
        {
            if (r.TryGetInt64(out long v)) return v;
            if (r.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) return (long)d;
        }
        throw source.Error(r.TokenStartIndex, $"{where}: '{name}' must be an integer.");
    }

    private static int ReadSize(ref Utf8JsonReader r, JsonSource source, string where, string name)
    {
        long v = ReadInt64(ref r, source, where, name);
        if (v is < 0 or > int.MaxValue) throw source.Error(r.TokenStartIndex, $"{where}: '{name}' {v} is not a valid size.");
        return (int)v;
    }

    private static double ReadNumber(ref Utf8JsonReader r, JsonSource source, string where, string name)
    {
        if (r.TokenType == JsonTokenType.Number && r.TryGetDouble(out double v)) return v;
        throw source.Error(r.TokenStartIndex, $"{where}: '{name}' must be a number.");
    }

    private static double ReadFinite(ref Utf8JsonReader r, JsonSource source, string where, string name)
    {
        double v = ReadNumber(ref r, source, where, name);
        if (!double.IsFinite(v)) throw source.Error(r.TokenStartIndex, $"{where}: '{name}' value {v} is not finite.");
        return v;
    }

    private static string ReadString(ref Utf8JsonReader r, JsonSource source, string where, string name)
    {
        if (r.TokenType == JsonTokenType.String) return r.GetString()!;
        throw source.Error(r.TokenStartIndex, $"{where}: '{name}' must be a string.");
    }

    private static bool ReadFlag(ref Utf8JsonReader r, JsonSource source, string where, string name) => r.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False or JsonTokenType.Null => false,
        JsonTokenType.Number => ReadNumber(ref r, source, where, name) != 0,
        _ => throw source.Error(r.TokenStartIndex, $"{where}: '{name}' must be 0/1 or a boolean."),
    };
}
