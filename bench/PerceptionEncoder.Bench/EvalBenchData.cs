using System.Globalization;
using System.Text;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Bench;

/// <summary>
/// Seeded generators of the evaluator benchmark cases (our own, shaped like EVAL_SPEC §4 and the issue): a COCO
/// bbox case of 5000 images with ~36k GT boxes over the 80 COCO categories (~1% crowd) and exactly 100 detections
/// per image, and a DAVIS case of 3 sequences x 50 frames at 854x480 with 10 objects.
/// </summary>
public static class EvalBenchData
{
    private static readonly int[] CocoCategoryIds =
    [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34,
        35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
        64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
    ];

    /// <summary>Writes <c>gt.json</c> and <c>dets.json</c> into <paramref name="folder"/>; returns (GT boxes, crowd boxes).</summary>
    public static (int Gt, int Crowd) WriteCocoCase(string folder, int seed = 2024, int images = 5000, int detsPerImage = 100)
    {
        var random = new Random(seed);
        var gt = new StringBuilder(16 << 20);
        var dets = new StringBuilder(48 << 20);
        var ci = CultureInfo.InvariantCulture;
        gt.Append("{\"info\":{\"description\":\"pe bench coco case\"},\"images\":[");
        var sizes = new (int W, int H)[images];
        var imageIds = new int[images];
        for (int i = 0; i < images; i++)
        {
            sizes[i] = random.NextDouble() < 0.7 ? (640, 480) : (480, 640);
            imageIds[i] = 100000 + i * 7 + random.Next(7); // unsorted-looking, non-contiguous ids
            if (i > 0) gt.Append(',');
            gt.Append(ci, $"{{\"id\":{imageIds[i]},\"width\":{sizes[i].W},\"height\":{sizes[i].H},\"file_name\":\"{imageIds[i]:D12}.jpg\"}}");
        }
        gt.Append("],\"annotations\":[");
        dets.Append('[');
        int annotationId = 1, gtCount = 0, crowdCount = 0;
        bool firstDet = true;
        var objects = new List<(int Category, double X, double Y, double W, double H)>();
        for (int i = 0; i < images; i++)
        {
            var (w, h) = sizes[i];
            objects.Clear();
            int count = Math.Max(0, (int)Math.Round(7.28 + 4.5 * Gaussian(random)));
            int theme = random.Next(CocoCategoryIds.Length);
            for (int o = 0; o < count; o++)
            {
                int category = CocoCategoryIds[random.NextDouble() < 0.5 ? theme : random.Next(CocoCategoryIds.Length)];
                double side = Math.Exp(random.NextDouble() * (Math.Log(400) - Math.Log(8)) + Math.Log(8));
                double aspect = Math.Exp((random.NextDouble() - 0.5) * 1.4);
                double bw = Math.Min(w - 1, side * aspect), bh = Math.Min(h - 1, side / aspect);
                double x = Math.Round(random.NextDouble() * (w - bw), 2), y = Math.Round(random.NextDouble() * (h - bh), 2);
                bw = Math.Round(bw, 2);
                bh = Math.Round(bh, 2);
                bool crowd = random.NextDouble() < 0.01;
                double area = Math.Round(bw * bh * (0.55 + 0.35 * random.NextDouble()), 2);
                if (gtCount > 0) gt.Append(',');
                gt.Append(ci, $"{{\"id\":{annotationId++},\"image_id\":{imageIds[i]},\"category_id\":{category},\"bbox\":[{x},{y},{bw},{bh}],\"area\":{area},\"iscrowd\":{(crowd ? 1 : 0)},\"segmentation\":[[{x},{y},{x + bw},{y},{x + bw},{y + bh},{x},{y + bh}]]}}");
                gtCount++;
                if (crowd) crowdCount++;
                objects.Add((category, x, y, bw, bh));
            }
            for (int d = 0; d < detsPerImage; d++)
            {
                int category;
                double x, y, bw, bh, score;
                if (objects.Count > 0 && random.NextDouble() < 0.45)
                {
                    var o = objects[random.Next(objects.Count)];
                    category = random.NextDouble() < 0.85 ? o.Category : CocoCategoryIds[random.Next(CocoCategoryIds.Length)];
                    double jitter = 0.25 * random.NextDouble();
                    x = o.X + o.W * jitter * Gaussian(random);
                    y = o.Y + o.H * jitter * Gaussian(random);
                    bw = o.W * Math.Exp(jitter * Gaussian(random));
                    bh = o.H * Math.Exp(jitter * Gaussian(random));
                    score = 0.3 + 0.7 * random.NextDouble() * (1 - jitter);
                }
                else
                {
                    category = objects.Count > 0 && random.NextDouble() < 0.5
                        ? objects[random.Next(objects.Count)].Category
                        : CocoCategoryIds[random.Next(CocoCategoryIds.Length)];
                    double side = Math.Exp(random.NextDouble() * (Math.Log(300) - Math.Log(6)) + Math.Log(6));
                    bw = side;
                    bh = side * Math.Exp((random.NextDouble() - 0.5) * 1.2);
                    x = random.NextDouble() * (w - 20);
                    y = random.NextDouble() * (h - 20);
                    score = 0.5 * random.NextDouble();
                }
                if (!firstDet) dets.Append(',');
                firstDet = false;
                dets.Append(ci, $"{{\"image_id\":{imageIds[i]},\"category_id\":{category},\"bbox\":[{Math.Round(x, 2)},{Math.Round(y, 2)},{Math.Round(Math.Max(bw, 1), 2)},{Math.Round(Math.Max(bh, 1), 2)}],\"score\":{Math.Round(score, 3)}}}");
            }
        }
        gt.Append("],\"categories\":[");
        for (int k = 0; k < CocoCategoryIds.Length; k++)
        {
            if (k > 0) gt.Append(',');
            gt.Append(ci, $"{{\"id\":{CocoCategoryIds[k]},\"name\":\"category{CocoCategoryIds[k]}\",\"supercategory\":\"thing\"}}");
        }
        gt.Append("]}");
        dets.Append(']');
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "gt.json"), gt.ToString());
        File.WriteAllText(Path.Combine(folder, "dets.json"), dets.ToString());
        return (gtCount, crowdCount);
    }

    /// <summary>
    /// Writes a DAVIS 2017 root (JPEGImages as empty placeholders are not enough for the official loader's glob,
    /// so tiny files are written) and a results folder: 3 sequences x <paramref name="frames"/> frames of 854x480
    /// with 3, 3 and 4 moving ellipses (10 objects), predictions = GT shifted and eroded by a few pixels.
    /// </summary>
    public static void WriteDavisCase(string root, string results, int seed = 7, int frames = 50, int width = 854, int height = 480)
    {
        var random = new Random(seed);
        int[] objectsPerSequence = [3, 3, 4];
        var names = new List<string>();
        for (int s = 0; s < objectsPerSequence.Length; s++)
        {
            string name = $"bench-seq-{s}";
            names.Add(name);
            string images = Path.Combine(root, "JPEGImages", "480p", name);
            string annotations = Path.Combine(root, "Annotations", "480p", name);
            Directory.CreateDirectory(images);
            Directory.CreateDirectory(annotations);
            Directory.CreateDirectory(Path.Combine(results, name));
            int n = objectsPerSequence[s];
            var state = new (double X, double Y, double Rx, double Ry, double Vx, double Vy)[n];
            for (int o = 0; o < n; o++)
                state[o] = (random.Next(100, width - 100), random.Next(80, height - 80), random.Next(30, 120), random.Next(30, 100),
                    random.NextDouble() * 8 - 4, random.NextDouble() * 6 - 3);
            for (int f = 0; f < frames; f++)
            {
                var gt = new byte[width * height];
                var pred = new byte[width * height];
                for (int o = 0; o < n; o++)
                {
                    var e = state[o];
                    double dx = random.NextDouble() * 8 - 4, dy = random.NextDouble() * 8 - 4, shrink = 0.85 + 0.2 * random.NextDouble();
                    FillEllipse(gt, width, height, e.X, e.Y, e.Rx, e.Ry, (byte)(o + 1));
                    FillEllipse(pred, width, height, e.X + dx, e.Y + dy, e.Rx * shrink, e.Ry * shrink, (byte)(o + 1));
                    state[o] = (Math.Clamp(e.X + e.Vx, e.Rx, width - e.Rx), Math.Clamp(e.Y + e.Vy, e.Ry, height - e.Ry), e.Rx, e.Ry, e.Vx, e.Vy);
                }
                string id = $"{f:D5}";
                File.WriteAllBytes(Path.Combine(images, id + ".jpg"), [0xFF, 0xD8, 0xFF, 0xD9]);
                Png.WriteIndexed(Path.Combine(annotations, id + ".png"), new IndexedImage(width, height, gt));
                Png.WriteIndexed(Path.Combine(results, name, id + ".png"), new IndexedImage(width, height, pred));
            }
        }
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        File.WriteAllLines(Path.Combine(root, "ImageSets", "2017", "val.txt"), names);
    }

    private static void FillEllipse(byte[] labels, int width, int height, double cx, double cy, double rx, double ry, byte id)
    {
        for (int y = Math.Max(0, (int)(cy - ry)); y < Math.Min(height, (int)(cy + ry) + 1); y++)
            for (int x = Math.Max(0, (int)(cx - rx)); x < Math.Min(width, (int)(cx + rx) + 1); x++)
            {
                double u = (x - cx) / rx, v = (y - cy) / ry;
                if (u * u + v * v <= 1) labels[y * width + x] = id;
            }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
