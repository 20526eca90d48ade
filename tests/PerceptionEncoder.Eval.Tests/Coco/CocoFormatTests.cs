using System.Text;
using System.Text.Json;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Coco;

public class CocoFormatTests
{
    public static TheoryData<string> Cases => new() { "coco_c1_easy_dev", "coco_c2_crowd_dev", "coco_c3_hard_dev" };

    private static string Fixture(string name, string file) => SharedData.Path("fixtures", "eval", "coco", name, file);

    [SharedTheory]
    [MemberData(nameof(Cases))]
    public void Load_FixtureGroundTruth_MatchesAnIndependentJsonRead(string name)
    {
        string path = Fixture(name, "gt.json");
        var dataset = CocoDataset.Load(path);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var annotations = doc.RootElement.GetProperty("annotations");
        Assert.Equal(doc.RootElement.GetProperty("images").GetArrayLength(), dataset.Images.Count);
        Assert.Equal(annotations.GetArrayLength(), dataset.Annotations.Count);
        Assert.Equal(doc.RootElement.GetProperty("categories").GetArrayLength(), dataset.Categories.Count);
        int i = 0;
        foreach (var a in annotations.EnumerateArray())
        {
            var ours = dataset.Annotations[i++];
            Assert.Equal(a.GetProperty("id").GetInt64(), ours.Id);
            Assert.Equal(a.GetProperty("area").GetDouble(), ours.Area);
            Assert.Equal(a.GetProperty("iscrowd").GetInt32() != 0, ours.IsCrowd);
            var box = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(new BoxXywh(box[0], box[1], box[2], box[3]), ours.Bbox);
            var segmentation = a.GetProperty("segmentation");
            switch (segmentation.ValueKind)
            {
                case JsonValueKind.Array:
                    var polygons = Assert.IsType<PolygonSegmentation>(ours.Segmentation);
                    Assert.Equal(segmentation.GetArrayLength(), polygons.Polygons.Count);
                    break;
                default:
                    var rle = Assert.IsType<RleSegmentation>(ours.Segmentation);
                    var size = segmentation.GetProperty("size");
                    Assert.Equal(size[0].GetInt32(), rle.Mask.Height);
                    Assert.Equal(size[1].GetInt32(), rle.Mask.Width);
                    var counts = segmentation.GetProperty("counts");
                    if (counts.ValueKind == JsonValueKind.String)
                        Assert.Equal(counts.GetString(), rle.Mask.ToCompressedString());
                    else
                        Assert.Equal(counts.EnumerateArray().Select(c => c.GetUInt32()).ToArray(), rle.Mask.Counts.ToArray());
                    break;
            }
        }
    }

    [SharedTheory]
    [MemberData(nameof(Cases))]
    public void CompressedStrings_InSegmResultsAndGroundTruth_RoundTripByteForByte(string name)
    {
        int checkedStrings = 0;
        foreach (string file in (string[])["dets_segm.json", "gt.json"])
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Fixture(name, file)));
            var entries = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("annotations");
            foreach (var e in entries.EnumerateArray())
                if (e.TryGetProperty("segmentation", out var s) && s.ValueKind == JsonValueKind.Object
                    && s.GetProperty("counts") is { ValueKind: JsonValueKind.String } counts)
                {
                    string text = counts.GetString()!;
                    var rle = Rle.FromCompressedString(text, s.GetProperty("size")[0].GetInt32(), s.GetProperty("size")[1].GetInt32());
                    // decode to pixels, re-encode from pixels, back to the string
                    var again = Rle.Encode(rle.Decode(), rle.Height, rle.Width);
                    Assert.Equal(text, again.ToCompressedString());
                    checkedStrings++;
                }
        }
        Assert.True(checkedStrings > 10, $"only {checkedStrings} compressed strings found");
    }

    [SharedFact]
    public void LoadResults_FixtureBoxes_ReadsEveryEntryInOrder()
    {
        string path = Fixture("coco_c3_hard_dev", "dets_bbox.json");
        var results = CocoResults.Load(path);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(doc.RootElement.GetArrayLength(), results.Count);
        var first = doc.RootElement[0];
        Assert.Equal(first.GetProperty("score").GetDouble(), results[0].Score);
        Assert.Equal(first.GetProperty("image_id").GetInt64(), results[0].ImageId);
        Assert.Null(results[0].Segmentation);
    }

    [SharedFact]
    public void SaveThenLoad_Dataset_RoundTrips()
    {
        using var temp = new TempDirectory();
        var original = CocoDataset.Load(Fixture("coco_c3_hard_dev", "gt.json"));
        original.Save(temp.File("gt.json"));
        var again = CocoDataset.Load(temp.File("gt.json"));
        Assert.Equal(original.Images, again.Images);
        Assert.Equal(original.Categories, again.Categories);
        Assert.Equal(original.Annotations.Count, again.Annotations.Count);
        for (int i = 0; i < original.Annotations.Count; i++)
        {
            var a = original.Annotations[i];
            var b = again.Annotations[i];
            Assert.Equal(a with { Segmentation = null }, b with { Segmentation = null });
            var image = original.GetImage(a.ImageId);
            Assert.Equal(a.Segmentation!.ToRle(image.Height, image.Width), b.Segmentation!.ToRle(image.Height, image.Width));
        }
    }

    [Fact]
    public void SaveThenLoad_Results_RoundTripsBoxesMasksAndScores()
    {
        using var temp = new TempDirectory();
        var mask = Rle.FromBbox(new BoxXywh(1, 2, 3, 4), 10, 12);
        CocoDetection[] results =
        [
            new() { ImageId = 3, CategoryId = 7, Score = 0.1 + 0.2, Bbox = new BoxXywh(0.1, 2.5, 1e-7, 33) },
            new() { ImageId = 4, CategoryId = 1, Score = 1, Segmentation = new RleSegmentation(mask) },
        ];
        CocoResults.Save(temp.File("r.json"), results);
        var again = CocoResults.Load(temp.File("r.json"));
        Assert.Equal(results[0], again[0]);
        Assert.Equal(mask, ((RleSegmentation)again[1].Segmentation!).Mask);
    }

    [Fact]
    public void Load_MalformedJson_NamesFileLineAndColumn()
    {
        using var temp = new TempDirectory();
        string path = temp.File("bad.json");
        File.WriteAllText(path, "{\"images\": [\n  {\"id\": 1, \"width\": 4, \"height\": 4},\n  {\"id\": 2,, \"width\": 4}\n]}");
        var e = Assert.Throws<InvalidDataException>(() => CocoDataset.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("images[1]", e.Message);
    }

    [Fact]
    public void LoadResults_NaNLiteral_ExplainsItWithTheEntry()
    {
        var e = Assert.Throws<InvalidDataException>(() => CocoResults.Parse(
            Encoding.UTF8.GetBytes("[{\"image_id\": 1, \"category_id\": 2, \"bbox\": [0, 0, 1, 1], \"score\": 0.5},\n {\"image_id\": 1, \"category_id\": 2, \"bbox\": [0, 0, 1, 1], \"score\": NaN}]"),
            "dets.json"));
        Assert.Contains("dets.json", e.Message);
        Assert.Contains("line 2", e.Message);
        Assert.Contains("result #1", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Theory]
    [InlineData("\"score\": -0.5, \"bbox\": [0, 0, 1, 1]", "score")]
    [InlineData("\"score\": 0.5, \"bbox\": [0, 0, -1, 1]", "negative width")]
    [InlineData("\"score\": 0.5, \"bbox\": [0, 0, 1]", "3 numbers")]
    [InlineData("\"score\": 0.5", "neither")]
    [InlineData("\"bbox\": [0, 0, 1, 1]", "'score'")]
    public void LoadResults_BadEntry_NamesTheEntry(string fields, string expected)
    {
        string json = "[{\"image_id\": 1, \"category_id\": 2, \"bbox\": [0, 0, 1, 1], \"score\": 0.5},\n{\"image_id\": 9, \"category_id\": 2, " + fields + "}]";
        var e = Assert.Throws<InvalidDataException>(() => CocoResults.Parse(Encoding.UTF8.GetBytes(json), "dets.json"));
        Assert.Contains("result #1", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void LoadResults_EmptyList_IsValid()
    {
        Assert.Empty(CocoResults.Parse("[]"u8.ToArray()));
    }

    [Fact]
    public void Dataset_DuplicateImageId_IsRejected()
    {
        var json = "{\"images\": [{\"id\": 1, \"width\": 2, \"height\": 2}, {\"id\": 1, \"width\": 2, \"height\": 2}], \"annotations\": [], \"categories\": []}";
        var e = Assert.Throws<InvalidDataException>(() => CocoDataset.Parse(Encoding.UTF8.GetBytes(json), "gt.json"));
        Assert.Contains("image id 1", e.Message);
    }

    [Fact]
    public void PolygonSegmentation_FirstPartOfFourNumbers_IsReadAsABox()
    {
        var segmentation = new PolygonSegmentation([[1, 1, 2, 2]]);
        Assert.Equal(Rle.FromBbox(new BoxXywh(1, 1, 2, 2), 6, 6), segmentation.ToRle(6, 6));
        Assert.Equal(4, segmentation.ToRle(6, 6).Area);
    }

    [Fact]
    public void AnnotationsOf_KeepsFileOrder()
    {
        var json = """
            {"images": [{"id": 5, "width": 9, "height": 9}],
             "annotations": [{"id": 3, "image_id": 5, "category_id": 1, "bbox": [0,0,1,1], "area": 1},
                             {"id": 1, "image_id": 5, "category_id": 1, "bbox": [0,0,2,2], "area": 4, "iscrowd": 1}],
             "categories": [{"id": 1, "name": "a"}]}
            """;
        var dataset = CocoDataset.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(new long[] { 3, 1 }, dataset.AnnotationsOf(5).Select(a => a.Id));
        Assert.True(dataset.AnnotationsOf(5)[1].IsCrowd);
        Assert.Empty(dataset.AnnotationsOf(6));
    }
}
