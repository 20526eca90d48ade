using PerceptionEncoder.Eval.Coco;
using PerceptionEncoder.Eval.Formats.Coco;
using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Tests.Coco;

public class CocoEvaluatorRandomTests
{
    /// <summary>
    /// Random cases full of the hard parts: score ties, duplicate GTs, crowd regions, GT areas on 1024/9216,
    /// more than 100 results in one (image, category), images without GT, unknown categories, a GT id of 0.
    /// </summary>
    private static (CocoDataset Gt, List<CocoDetection> Dt) RandomCase(int seed)
    {
        var random = new Random(seed);
        long[] imageIds = Enumerable.Range(0, 12).Select(i => (long)(1000 - 37 * i + random.Next(5))).ToArray();
        long[] categoryIds = [3, 17, 5, 90];
        var images = imageIds.Select(id => new CocoImage(id, 100, 80, $"{id}.jpg")).ToList();
        var annotations = new List<CocoAnnotation>();
        long nextId = seed % 3 == 0 ? 0 : 1;
        foreach (long img in imageIds.Take(10))
            for (int n = random.Next(0, 8); n > 0; n--)
            {
                var box = new BoxXywh(random.Next(0, 60), random.Next(0, 50), random.Next(1, 50), random.Next(1, 40));
                double area = random.Next(4) switch { 0 => 1024, 1 => 9216, _ => Math.Round(box.Area * (0.5 + random.NextDouble()), 1) };
                var ann = new CocoAnnotation
                {
                    Id = nextId++,
                    ImageId = img,
                    CategoryId = categoryIds[random.Next(3)],
                    Bbox = box,
                    Area = area,
                    IsCrowd = random.NextDouble() < 0.12,
                };
                annotations.Add(ann);
                if (random.NextDouble() < 0.1) annotations.Add(ann with { Id = nextId++ }); // a duplicate: IoU tie
            }
        var dt = new List<CocoDetection>();
        foreach (long img in imageIds)
        {
            int count = random.NextDouble() < 0.2 ? 130 : random.Next(0, 25);
            var own = annotations.Where(a => a.ImageId == img).ToList();
            for (int n = 0; n < count; n++)
            {
                BoxXywh box;
                long category;
                if (own.Count > 0 && random.NextDouble() < 0.6)
                {
                    var a = own[random.Next(own.Count)];
                    var b = a.Bbox!.Value;
                    box = new BoxXywh(b.X + random.Next(-3, 4), b.Y + random.Next(-3, 4), Math.Max(1, b.Width + random.Next(-4, 5)), Math.Max(1, b.Height + random.Next(-4, 5)));
                    category = random.NextDouble() < 0.9 ? a.CategoryId : categoryIds[random.Next(4)];
                }
                else
                {
                    box = new BoxXywh(random.Next(0, 90), random.Next(0, 70), random.Next(1, 40), random.Next(1, 40));
                    category = random.NextDouble() < 0.05 ? 999 : categoryIds[random.Next(4)];
                }
                dt.Add(new CocoDetection { ImageId = img, CategoryId = category, Bbox = box, Score = Math.Round(random.NextDouble(), 1) });
            }
        }
        var categories = categoryIds.Select(c => new CocoCategory(c, $"c{c}")).ToList();
        return (new CocoDataset(images, annotations, categories), dt);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Evaluate_RandomHardCase_EqualsThePlainTranscriptionBitForBit(int seed)
    {
        var (gt, dt) = RandomCase(seed);
        var (precision, recall) = NaiveCocoEval.Run(gt, dt);
        var result = CocoEvaluator.Evaluate(gt, dt, new CocoEvalParams { MaxDegreeOfParallelism = 2 });
        int T = precision.GetLength(0), R = precision.GetLength(1), K = precision.GetLength(2), A = precision.GetLength(3), M = precision.GetLength(4);
        for (int t = 0; t < T; t++)
            for (int k = 0; k < K; k++)
                for (int a = 0; a < A; a++)
                    for (int m = 0; m < M; m++)
                    {
                        Assert.Equal(recall[t, k, a, m], result.Recall(t, k, a, m));
                        for (int r = 0; r < R; r++)
                            Assert.True(precision[t, r, k, a, m] == result.Precision(t, r, k, a, m),
                                $"precision[{t},{r},{k},{a},{m}]: {precision[t, r, k, a, m]:R} vs {result.Precision(t, r, k, a, m):R}");
                    }
    }

    [Fact]
    public void Evaluate_ThreadCount_DoesNotChangeTheResult()
    {
        var (gt, dt) = RandomCase(9);
        var one = CocoEvaluator.Evaluate(gt, dt, new CocoEvalParams { MaxDegreeOfParallelism = 1 });
        var four = CocoEvaluator.Evaluate(gt, dt, new CocoEvalParams { MaxDegreeOfParallelism = 4 });
        Assert.Equal(one.PrecisionArray.ToArray(), four.PrecisionArray.ToArray());
        Assert.Equal(one.Stats, four.Stats);
    }
}
