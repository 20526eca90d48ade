using System.Text.Encodings.Web;
using System.Text.Json;
using PerceptionEncoder.Eval.Masks;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Eval.Formats.Coco;

/// <summary>Writes COCO instances and results JSON; numbers round-trip exactly (shortest form).</summary>
internal static class CocoJsonWriter
{
    // RLE strings are full of characters the default encoder escapes ('<', '`', '&'); keep them readable.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteDataset(string path, CocoDataset dataset) => AtomicFile.Write(path, stream =>
    {
        using var w = new Utf8JsonWriter(stream, Options);
        w.WriteStartObject();
        if (dataset.Info is { } info)
        {
            w.WritePropertyName("info"u8);
            info.WriteTo(w);
        }
        if (dataset.Licenses is { } licenses)
        {
            w.WritePropertyName("licenses"u8);
            licenses.WriteTo(w);
        }
        w.WriteStartArray("images"u8);
        foreach (var image in dataset.Images)
        {
            w.WriteStartObject();
            w.WriteNumber("id"u8, image.Id);
            w.WriteNumber("width"u8, image.Width);
            w.WriteNumber("height"u8, image.Height);
            w.WriteString("file_name"u8, image.FileName);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("annotations"u8);
        foreach (var a in dataset.Annotations)
        {
            w.WriteStartObject();
            w.WriteNumber("id"u8, a.Id);
            w.WriteNumber("image_id"u8, a.ImageId);
            w.WriteNumber("category_id"u8, a.CategoryId);
            if (a.Bbox is { } box) WriteBox(w, box);
            w.WriteNumber("area"u8, a.Area);
            w.WriteNumber("iscrowd"u8, a.IsCrowd ? 1 : 0);
            if (a.Ignore is { } ignore) w.WriteNumber("ignore"u8, ignore ? 1 : 0);
            if (a.Segmentation is { } segmentation) WriteSegmentation(w, segmentation);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("categories"u8);
        foreach (var c in dataset.Categories)
        {
            w.WriteStartObject();
            w.WriteNumber("id"u8, c.Id);
            w.WriteString("name"u8, c.Name);
            if (c.Supercategory != null) w.WriteString("supercategory"u8, c.Supercategory);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static void WriteResults(string path, IEnumerable<CocoDetection> detections) => AtomicFile.Write(path, stream =>
    {
        using var w = new Utf8JsonWriter(stream, Options);
        w.WriteStartArray();
        int index = 0;
        foreach (var d in detections)
        {
            if (!double.IsFinite(d.Score) || d.Score < 0)
                throw new ArgumentException($"{path}: result #{index} has score {d.Score}; scores must be finite and non-negative.");
            w.WriteStartObject();
            w.WriteNumber("image_id"u8, d.ImageId);
            w.WriteNumber("category_id"u8, d.CategoryId);
            if (d.Bbox is { } box) WriteBox(w, box);
            if (d.Segmentation is { } segmentation) WriteSegmentation(w, segmentation);
            w.WriteNumber("score"u8, d.Score);
            w.WriteEndObject();
            index++;
        }
        w.WriteEndArray();
    });

    private static void WriteBox(Utf8JsonWriter w, BoxXywh box)
    {
        w.WriteStartArray("bbox"u8);
        w.WriteNumberValue(box.X);
        w.WriteNumberValue(box.Y);
        w.WriteNumberValue(box.Width);
        w.WriteNumberValue(box.Height);
        w.WriteEndArray();
    }

    private static void WriteSegmentation(Utf8JsonWriter w, CocoSegmentation segmentation)
    {
        w.WritePropertyName("segmentation"u8);
        switch (segmentation)
        {
            case PolygonSegmentation polygons:
                w.WriteStartArray();
                foreach (double[] polygon in polygons.Polygons)
                {
                    w.WriteStartArray();
                    foreach (double v in polygon) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                break;
            case RleSegmentation rle:
                w.WriteStartObject();
                w.WriteStartArray("size"u8);
                w.WriteNumberValue(rle.Mask.Height);
                w.WriteNumberValue(rle.Mask.Width);
                w.WriteEndArray();
                if (rle.Compressed) w.WriteString("counts"u8, rle.Mask.ToCompressedString());
                else
                {
                    w.WriteStartArray("counts"u8);
                    foreach (uint c in rle.Mask.Counts) w.WriteNumberValue(c);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                break;
            default:
                throw new ArgumentException($"unknown segmentation type {segmentation.GetType().Name}.");
        }
    }
}
