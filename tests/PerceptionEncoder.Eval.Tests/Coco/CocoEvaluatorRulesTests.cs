using PerceptionEncoder.Eval.Coco;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Coco;

/// <summary>Hand-worked cases for each COCOeval rule (EVAL_SPEC §1); the expected numbers are derived in the comments.</summary>
public class CocoEvaluatorRulesTests
{
    private const double Eps = 2.220446049250313e-16;
    private const int AP = 0, AP50 = 1, AP75 = 2, APs = 3, APm = 4, APl = 5, AR1 = 6, AR10 = 7, AR100 = 8;

    private static CocoAnnotation Gt(long id, long image, double x, double y, double w, double h, double? area = null, bool crowd = false, long category = 1) =>
        new() { Id = id, ImageId = image, CategoryId = category, Bbox = new BoxXywh(x, y, w, h), Area = area ?? w * h, IsCrowd = crowd };

    private static CocoDetection Dt(long image, double x, double y, double w, double h, double score, long category = 1) =>
        new() { ImageId = image, CategoryId = category, Bbox = new BoxXywh(x, y, w, h), Score = score };

    private static CocoDataset Dataset(IEnumerable<CocoAnnotation> annotations, int images = 2, params long[] categories) =>
        new(Enumerable.Range(1, images).Select(i => new CocoImage(i, 200, 200, $"{i}.jpg")),
            annotations, (categories.Length == 0 ? [1L] : categories).Select(c => new CocoCategory(c, $"c{c}")));

    private static IReadOnlyList<double> Stats(CocoDataset gt, params CocoDetection[] dt) => CocoEvaluator.Evaluate(gt, dt).Stats;

    [Fact]
    public void EqualIou_TheLaterGroundTruthWins()
    {
        // GT1 = [0,0,10,10], GT2 = [2,0,10,10]. d1 = [1,0,10,10] has IoU 90/110 = 0.818 with both: it takes GT2 (the
        // later one) for t <= 0.8. d2 = GT2's box (IoU 1 with GT2, 80/120 = 0.667 with GT1) then only gets GT1 for
        // t <= 0.65. Recall per threshold: 1 (x4), 0.5 (x3: d1 only), 0.5 (x3, t >= .85: d2 on GT2) -> AR100 = 0.7.
        // (Had the earlier GT won, AR100 would be 0.85.)  AR1 keeps d1 only: 0.5 for t <= 0.8 -> 0.35.
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10), Gt(2, 1, 2, 0, 10, 10)]);
        var stats = Stats(gt, Dt(1, 1, 0, 10, 10, 0.9), Dt(1, 2, 0, 10, 10, 0.8));
        Assert.Equal(0.7, stats[AR100], 15);
        Assert.Equal(0.35, stats[AR1], 15);
    }

    [Fact]
    public void IouEqualToTheThreshold_Matches()
    {
        // IoU = 50/100 = 0.5 exactly: a match at t = 0.5 only. AP50 = 1/(1+eps) at every recall point; AP75 = 0.
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10)]);
        var result = CocoEvaluator.Evaluate(gt, [Dt(1, 0, 0, 10, 5, 0.9)]);
        var stats = result.Stats;
        Assert.Equal(1 / (1 + Eps), result.Precision(0, 100, 0, 0, 2)); // the eps of the precision denominator, exactly
        Assert.Equal(0, result.Precision(1, 0, 0, 0, 2));
        Assert.Equal(1 / (1 + Eps), stats[AP50], 14); // a mean of 101 cells of 1/(1+eps)
        Assert.Equal(0, stats[AP75]);
        Assert.Equal(0.1, stats[AR100], 15);
    }

    [Theory]
    [InlineData(2, 0.5)] // TP on image 2: the FP of image 1 comes first -> precision envelope 0.5
    [InlineData(1, 1.0)] // TP on image 1: it comes first -> precision 1 at full recall
    public void EqualScoresAcrossImages_AreOrderedByAscendingImageId(long tpImage, double expectedAp50)
    {
        long fpImage = 3 - tpImage;
        var gt = Dataset([Gt(1, tpImage, 0, 0, 10, 10)]);
        // The FP is listed first in the file when it is on image 2, second otherwise: file order does not decide across images.
        var dets = tpImage == 2
            ? new[] { Dt(tpImage, 0, 0, 10, 10, 0.5), Dt(fpImage, 50, 50, 10, 10, 0.5) }
            : new[] { Dt(fpImage, 50, 50, 10, 10, 0.5), Dt(tpImage, 0, 0, 10, 10, 0.5) };
        Assert.Equal(expectedAp50, Stats(gt, dets)[AP50], 12);
    }

    [Theory]
    [InlineData(true, 0.5)]  // FP listed first: [FP, TP]
    [InlineData(false, 1.0)] // TP listed first: [TP, FP]
    public void EqualScoresInsideAnImage_KeepFileOrder(bool falsePositiveFirst, double expectedAp50)
    {
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10)]);
        var tp = Dt(1, 0, 0, 10, 10, 0.5);
        var fp = Dt(1, 50, 50, 10, 10, 0.5);
        Assert.Equal(expectedAp50, Stats(gt, falsePositiveFirst ? [fp, tp] : [tp, fp])[AP50], 12);
    }

    [Fact]
    public void MaxDets_AppliesPerImageAndCategory()
    {
        // 120 high-scoring results of category 1 on the image do not push out the single result of category 2.
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10, category: 2), Gt(2, 1, 100, 100, 10, 10, category: 1)], 1, 1, 2);
        var dets = Enumerable.Range(0, 120).Select(i => Dt(1, 150, 150, 5, 5, 0.9, category: 1)).Append(Dt(1, 0, 0, 10, 10, 0.1, category: 2)).ToArray();
        var result = CocoEvaluator.Evaluate(gt, dets);
        var category2 = result.PerCategory.Single(c => c.CategoryId == 2);
        Assert.Equal(1.0, category2.Ar);
        Assert.Equal(1.0, result.Recall(0, 1, 0, 0)); // maxDets = 1: its only result is its top one
        Assert.Equal(0.0, result.PerCategory.Single(c => c.CategoryId == 1).Ar);
    }

    [Fact]
    public void CrowdRegion_AbsorbsAnyNumberOfResultsWithoutFalsePositives()
    {
        // Three results inside the crowd box (IoU = inter/area(det) = 1) are ignored, so the lower-scored TP on the
        // real GT keeps precision 1/(1+eps).
        var gt = Dataset([Gt(1, 1, 0, 0, 100, 100, crowd: true), Gt(2, 1, 150, 150, 20, 20)]);
        var stats = Stats(gt, Dt(1, 10, 10, 20, 20, 0.9), Dt(1, 40, 40, 20, 20, 0.8), Dt(1, 60, 10, 20, 30, 0.7), Dt(1, 150, 150, 20, 20, 0.6));
        Assert.Equal(1 / (1 + Eps), stats[AP50], 14); // a mean of 101 cells of 1/(1+eps)
        Assert.Equal(1.0, stats[AR100]);
    }

    [Fact]
    public void AreaRanges_AreInclusive_AndUseTheAreaField()
    {
        // A 10x10 box with area field 1024 is both small and medium; large has no GT anywhere -> -1.
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10, area: 1024)]);
        var stats = Stats(gt, Dt(1, 0, 0, 10, 10, 0.9));
        Assert.Equal(1 / (1 + Eps), stats[APs], 14); // a mean of 101 cells of 1/(1+eps)
        Assert.Equal(1 / (1 + Eps), stats[APm], 14); // a mean of 101 cells of 1/(1+eps)
        Assert.Equal(-1, stats[APl]);

        // Area field 5000 on the same box: medium only (never w*h = 100).
        var medium = Stats(Dataset([Gt(1, 1, 0, 0, 10, 10, area: 5000)]), Dt(1, 0, 0, 10, 10, 0.9));
        Assert.Equal(-1, medium[APs]);
        Assert.Equal(1 / (1 + Eps), medium[APm], 14); // a mean of 101 cells of 1/(1+eps)
    }

    [Fact]
    public void IgnoreField_WithoutCrowd_IsNotIgnored()
    {
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10) with { Ignore = true }]);
        Assert.Equal(0, Stats(gt, Dt(1, 100, 100, 10, 10, 0.9))[AR100]);
    }

    [Fact]
    public void CategoryWithoutGroundTruth_IsLeftOutOfTheMeans()
    {
        // Category 2 has results but no GT: its cells are -1 and do not dilute category 1's perfect AP50.
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10)], 1, 1, 2);
        var result = CocoEvaluator.Evaluate(gt, [Dt(1, 0, 0, 10, 10, 0.9), Dt(1, 50, 50, 10, 10, 0.8, category: 2)]);
        Assert.Equal(1 / (1 + Eps), result.Stats[AP50], 14); // a mean of 101 cells of 1/(1+eps)
        Assert.Equal(-1, result.PerCategory.Single(c => c.CategoryId == 2).Ap);
    }

    [Fact]
    public void EmptyResultList_GivesZeroWhereThereIsGroundTruth()
    {
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10, area: 500)]);
        var stats = CocoEvaluator.Evaluate(gt, []).Stats;
        Assert.Equal([0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1], stats);
    }

    [Fact]
    public void ResultOnAnImageNotInTheGroundTruth_IsAnErrorNamingTheId()
    {
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10)]);
        var e = Assert.Throws<InvalidDataException>(() => CocoEvaluator.Evaluate(gt, [Dt(1, 0, 0, 1, 1, 0.5), Dt(77, 0, 0, 1, 1, 0.5)], null, "dets.json"));
        Assert.Contains("dets.json", e.Message);
        Assert.Contains("result #1", e.Message);
        Assert.Contains("image_id 77", e.Message);
    }

    [Fact]
    public void ResultsOfUnknownCategories_AreDroppedAndCounted()
    {
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10)]);
        var with = CocoEvaluator.Evaluate(gt, [Dt(1, 0, 0, 10, 10, 0.5), Dt(1, 0, 0, 10, 10, 0.9, category: 42), Dt(1, 3, 3, 10, 10, 0.9, category: 43)]);
        var without = CocoEvaluator.Evaluate(gt, [Dt(1, 0, 0, 10, 10, 0.5)]);
        Assert.Equal(2, with.DroppedUnknownCategory);
        Assert.Equal(without.Stats, with.Stats);
    }

    [Theory]
    [InlineData(double.NaN, 1.0, "score")]
    [InlineData(-0.1, 1.0, "score")]
    [InlineData(0.5, -1.0, "bbox")]
    [InlineData(0.5, double.NaN, "bbox")]
    public void BadScoreOrBox_IsAnErrorNamingTheEntry(double score, double width, string what)
    {
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10)]);
        var e = Assert.Throws<InvalidDataException>(() => CocoEvaluator.Evaluate(gt, [Dt(1, 0, 0, 1, 1, 0.5), Dt(1, 0, 0, width, 1, score)], null, "dets.json"));
        Assert.Contains("result #1", e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void SegmResultWithTheWrongMaskSize_IsAnErrorNamingTheEntry()
    {
        var gt = Dataset([Gt(1, 1, 0, 0, 10, 10) with { Segmentation = new PolygonSegmentation([[0, 0, 0, 10, 10, 10, 10, 0]]) }]);
        var mask = Rle.FromBbox(new BoxXywh(0, 0, 10, 10), 100, 100);
        var e = Assert.Throws<InvalidDataException>(() => CocoEvaluator.Evaluate(gt,
            [new CocoDetection { ImageId = 1, CategoryId = 1, Score = 1, Segmentation = new RleSegmentation(mask) }],
            new CocoEvalParams { IouType = CocoIouType.Segm }, "segm.json"));
        Assert.Contains("result #0", e.Message);
        Assert.Contains("[100, 100]", e.Message);
    }

    [Fact]
    public void Segm_PolygonGroundTruthAndBoxResultWithoutMask_UseTheRasterisedMasks()
    {
        // A box result without a mask is evaluated as its rasterised box; an integral box covers exactly its pixels,
        // so against the same GT polygon the mask IoU is 1.
        var gt = Dataset([Gt(1, 1, 10, 10, 20, 20) with { Segmentation = new PolygonSegmentation([[10, 10, 10, 30, 30, 30, 30, 10]]) }]);
        var stats = CocoEvaluator.Evaluate(gt, [Dt(1, 10, 10, 20, 20, 0.9)], new CocoEvalParams { IouType = CocoIouType.Segm }).Stats;
        Assert.Equal(1 / (1 + Eps), stats[AP75], 14); // a mean of 101 cells of 1/(1+eps)
    }

    [SharedFact]
    public void Summary_HasThePycocotoolsLayout()
    {
        string folder = SharedData.Path("datasets-real", "coco", "cocoapi_fake100");
        var result = CocoEvaluator.Evaluate(Path.Combine(folder, "instances_val2014_100.json"), Path.Combine(folder, "instances_val2014_fakebbox100_results.json"));
        string[] lines = result.Summary().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505", lines[0]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.573", lines[2]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.519", lines[4]);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.387", lines[6]);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.564", lines[11]);
    }
}
