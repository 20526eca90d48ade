using PerceptionEncoder.Data.Datasets;
using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Data;

/// <summary>The readers on the real samples of ../shared/datasets-real (see its SOURCES.md).</summary>
public class RealDatasetTests
{
    private static string Real(params string[] parts) => SharedData.Path(["datasets-real", .. parts]);

    [SharedFact]
    public void Coco_Image39769_SixAnnotationsWithTheirBoxesAreasAndCategories()
    {
        var source = new CocoSampleSource(Real("coco", "annotations", "instances_val2017_39769_DERIVED.json"), Real("coco", "images"));
        Assert.Equal(1, source.Count);
        Assert.Equal("39769", source.ItemId(0));
        Assert.Equal(80, source.Categories.Count);
        Assert.Equal(90, source.Categories.Categories[^1].Id);
        Assert.Equal(("cat", 15), (source.Categories.NameOf(17), source.Categories.LabelOf(17)));

        var sample = source.Load(0, SampleParts.All);
        Assert.Equal((640, 480), (sample.Image!.Width, sample.Image.Height));
        // The values of the file's bbox / area / category fields (instances_val2017, image 39769).
        (long Id, int Category, double[] Bbox, double Area)[] expected =
        [
            (1108446, 75, [332.89, 79.57, 38.65, 106.31], 2120.9911),
            (1110067, 75, [41.88, 74.2, 133.15, 45.1], 4052.607),
            (1605237, 63, [1.08, 0.0, 638.56, 473.53], 176277.5527),
            (1612051, 65, [1.07, 1.18, 638.93, 477.85], 301552.6695),
            (2190839, 17, [17.5, 54.38, 301.25, 415.0], 53301.61875),
            (2190842, 17, [347.5, 25.63, 292.5, 343.75], 59700.95625),
        ];
        Assert.Equal(6, sample.Instances!.Count);
        foreach (var (e, i) in expected.Zip(sample.Instances))
        {
            Assert.Equal(e.Id, i.AnnotationId);
            Assert.Equal(e.Category, i.CategoryId);
            Assert.Equal(source.Categories.LabelOf(e.Category), i.Label);
            Assert.False(i.IsCrowd);
            Assert.Equal(e.Area, i.Area, 0.001);
            double[] xywh = i.Box.ToXywh();
            for (int k = 0; k < 4; k++) Assert.Equal(e.Bbox[k], xywh[k], 0.001);
            // The polygon, rasterised, covers the annotation's area within 1%.
            Assert.InRange(i.Mask!.Area, e.Area * 0.99, e.Area * 1.01);
        }
    }

    [SharedFact]
    public void Coco_Val2014Hundred_AllAnnotationsReadAndMasksAgreeWithTheirArea()
    {
        var source = new CocoSampleSource(Real("coco", "cocoapi_fake100", "instances_val2014_100.json"), Real("coco", "cocoapi_fake100"));
        Assert.Equal(100, source.Count);
        int annotations = 0, crowd = 0;
        var relative = new List<double>();
        for (int n = 0; n < source.Count; n++)
        {
            // No images ship with this file: targets only.
            var sample = source.Load(n, SampleParts.Detection | SampleParts.Masks);
            Assert.Null(sample.Image);
            foreach (var i in sample.Instances!)
            {
                annotations++;
                Assert.True(source.Categories.Contains(i.CategoryId));
                if (i.IsCrowd)
                {
                    crowd++;
                    // A crowd RLE decodes inside its box.
                    var bounds = i.Mask!.Bounds()!.Value;
                    Assert.True(bounds.X0 >= Math.Floor(i.Box.X0) && bounds.Y0 >= Math.Floor(i.Box.Y0)
                        && bounds.X1 <= Math.Ceiling(i.Box.X1) + 1 && bounds.Y1 <= Math.Ceiling(i.Box.Y1) + 1, $"crowd {i.AnnotationId}: mask {bounds}, box {i.Box}");
                }
                else relative.Add(Math.Abs(i.Mask!.Area - i.Area) / i.Area);
            }
        }
        Assert.Equal(839, annotations + source.SkippedAnnotations.Count);
        Assert.True(crowd > 0);
        relative.Sort();
        Assert.True(relative[relative.Count / 2] < 0.01, $"median relative area difference {relative[relative.Count / 2]}");
    }

    [SharedFact]
    public void Nyu_ThreePairs_DepthInMetresIsThePngOver1000WithInvalidPixelsFlagged()
    {
        using var temp = new TempDirectory();
        string list = temp.File("pairs.txt");
        string[] numbers = ["00000", "00050", "00100"];
        File.WriteAllLines(list, numbers.Select(n => $"rgb/rgb_{n}.jpg depth/sync_depth_{n}.png 518.8579"));
        var source = new NyuSampleSource(list, Real("nyu"));
        Assert.Equal(3, source.Count);
        Assert.Equal("rgb/rgb_00050", source.ItemId(1));
        (double Min, double Max)[] ranges = [(1.39, 6.63), (0.89, 8.27), (0.71, 6.45)];
        for (int n = 0; n < 3; n++)
        {
            var sample = source.Load(n, SampleParts.Image | SampleParts.Depth);
            var png = Png.ReadGray16(Real("nyu", "depth", $"sync_depth_{numbers[n]}.png"));
            Assert.Equal((640, 480), (sample.Width, sample.Height));
            Assert.Equal((640, 480), (sample.Image!.Width, sample.Image.Height));
            var depth = sample.Depth!;
            for (int i = 0; i < png.Pixels.Length; i++)
            {
                Assert.Equal(png.Pixels[i] > 0, depth.Valid[i]);
                Assert.Equal(png.Pixels[i] / 1000f, depth.Metres[i]);
            }
            double fraction = depth.ValidCount / (double)png.Pixels.Length;
            Assert.InRange(fraction, 0.66, 0.76);
            var valid = depth.Metres.Where((_, i) => depth.Valid[i]).ToArray();
            Assert.Equal(ranges[n].Min, valid.Min(), 0.006);
            Assert.Equal(ranges[n].Max, valid.Max(), 0.006);
            Assert.False(depth.Valid[0]); // the white border has no depth
        }
    }

    [SharedFact]
    public void Davis_FramesAndPaletteMasks_ObjectCountsAndIndices()
    {
        using var temp = new TempDirectory();
        // A DAVIS 2017 root made of links: the real frames, and the real OSVOS results (DAVIS 2017 palette format)
        // standing in for the annotations.
        string davis = temp.File("DAVIS");
        Directory.CreateDirectory(Path.Combine(davis, "Annotations"));
        Directory.CreateDirectory(Path.Combine(davis, "ImageSets", "2017"));
        Directory.CreateSymbolicLink(Path.Combine(davis, "JPEGImages"), Real("davis", "JPEGImages"));
        Directory.CreateSymbolicLink(Path.Combine(davis, "Annotations", "480p"), Real("davis", "results", "semi-supervised", "osvos"));
        File.WriteAllText(Path.Combine(davis, "ImageSets", "2017", "val.txt"), "car-shadow\njudo\n");

        var source = DavisSampleSource.Open(temp.Path, "val");
        Assert.Equal(40 + 16, source.Count);
        Assert.Equal("car-shadow/00000", source.ItemId(0));
        Assert.Equal("judo/00015", source.ItemId(55));
        Assert.Equal(1, source.ObjectCount("car-shadow"));
        Assert.Equal(2, source.ObjectCount("judo"));

        var judo = source.Load(40, SampleParts.Image | SampleParts.Segmentation);
        Assert.Equal((854, 480), (judo.Width, judo.Height));
        var labels = judo.Segmentation!;
        Assert.Equal(new byte[] { 0, 1, 2 }, labels.Pixels.Distinct().Order().ToArray());
        Assert.Equal(Palettes.Davis[..9], labels.Palette![..9]);

        var car = source.Load(0, SampleParts.Segmentation);
        Assert.Null(car.Image);
        Assert.Equal(new byte[] { 0, 1 }, car.Segmentation!.Pixels.Distinct().Order().ToArray());
    }
}
