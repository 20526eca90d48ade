using PerceptionEncoder.Eval.Masks;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Synthetic;

/// <summary>
/// Composes a synthetic video: a fixed room, 2-3 objects of different categories walking on the ground (their size
/// follows their depth), passing in front of one another; per frame the pixels and the DAVIS label map of the
/// visible part of each object (indices 1..N, 0 background).
/// </summary>
internal static class VideoBuilder
{
    private sealed class Walker
    {
        public required SyntheticCategory Category;
        public required (float R, float G, float B) Colour;
        public required double WorldHeight;
        public required double WorldX;
        public required double Depth;
        public required double VelocityX;
        public required double VelocityZ;
    }

    public static IReadOnlyList<(RgbImage Frame, IndexedImage Labels)> Build(VideoOptions options, int seed)
    {
        var random = new Random(seed);
        var layout = SceneLayout.Draw(options.Width, options.Height, options.FocalFraction, random);
        var background = SceneRenderer.Background(layout);
        double nearest = layout.GroundDepthAt(layout.Height - 1.0), farthest = layout.WallDistance - 0.2;

        var walkers = new List<Walker>();
        var categories = SyntheticCategory.All.OrderBy(_ => random.Next()).ToList();
        int count = random.Next(options.MinObjects, options.MaxObjects + 1);
        for (int k = 0; k < count; k++)
        {
            for (int attempt = 0; attempt < 60; attempt++)
            {
                double depth = nearest + (farthest - nearest) * random.NextDouble();
                double height = Math.Max(options.MinObjectSize, Math.Min(0.5 * layout.Height, layout.Focal * (0.5 + 0.7 * random.NextDouble()) / depth));
                double worldHeight = height * depth / layout.Focal;
                double width = height * categories[k].Aspect;
                double footX = width / 2 + 2 + (layout.Width - width - 4) * random.NextDouble();
                var candidate = new Walker
                {
                    Category = categories[k],
                    Colour = SceneRenderer.ObjectColour(categories[k], random),
                    WorldHeight = worldHeight,
                    WorldX = (footX - layout.CentreX) * depth / layout.Focal,
                    Depth = depth,
                    VelocityX = (0.04 + 0.08 * random.NextDouble()) * (random.Next(2) == 0 ? -1 : 1),
                    VelocityZ = (0.02 + 0.08 * random.NextDouble()) * (random.Next(2) == 0 ? -1 : 1),
                };
                var box = Box(layout, candidate);
                if (box.Y0 < 0 || walkers.Any(w => Overlaps(Box(layout, w), box))) continue;
                walkers.Add(candidate);
                break;
            }
        }
        if (walkers.Count == 0) throw new InvalidOperationException($"no object fits a {options.Width}x{options.Height} video.");

        var frames = new List<(RgbImage, IndexedImage)>();
        for (int t = 0; t < options.Frames; t++)
        {
            var canvas = background.Clone();
            // Far to near: nearer objects hide farther ones.
            foreach (var (w, index) in walkers.Select((w, i) => (w, i)).OrderByDescending(p => p.w.Depth))
            {
                var (footX, footRow, width, height) = Geometry(layout, w);
                double[] polygon = SceneRenderer.Outline(w.Category.Shape, footX, footRow, width, height, 0);
                var mask = Rle.FromPolygon(polygon, layout.Height, layout.Width);
                SceneRenderer.Paint(canvas, mask, w.Category, w.Colour, footX, footRow, height, w.Depth, layout.Focal, (byte)(index + 1));
            }
            var frame = canvas.Finish(options.FogDistance, options.Noise, random);
            frames.Add((frame, new IndexedImage(layout.Width, layout.Height, (byte[])canvas.Owner.Clone(), Palettes.Davis)));
            foreach (var w in walkers) Step(layout, w, nearest, farthest);
        }
        return frames;
    }

    private static (double FootX, double FootRow, double Width, double Height) Geometry(SceneLayout layout, Walker w)
    {
        double height = layout.Focal * w.WorldHeight / w.Depth;
        return (layout.CentreX + w.WorldX * layout.Focal / w.Depth, layout.RowOfDepth(w.Depth), height * w.Category.Aspect, height);
    }

    private static (double X0, double Y0, double X1, double Y1) Box(SceneLayout layout, Walker w)
    {
        var (x, row, width, height) = Geometry(layout, w);
        return (x - width / 2, row - height, x + width / 2, row);
    }

    /// <summary>Moves a walker one frame, bouncing off the image sides, the bottom edge and the wall.</summary>
    private static void Step(SceneLayout layout, Walker w, double nearest, double farthest)
    {
        w.Depth += w.VelocityZ;
        if (w.Depth < nearest || w.Depth > farthest || Box(layout, w).Y0 < 0)
        {
            w.Depth -= 2 * w.VelocityZ;
            w.VelocityZ = -w.VelocityZ;
        }
        w.WorldX += w.VelocityX;
        var box = Box(layout, w);
        if (box.X0 < 0 || box.X1 > layout.Width)
        {
            w.WorldX -= 2 * w.VelocityX;
            w.VelocityX = -w.VelocityX;
        }
    }

    private static bool Overlaps((double X0, double Y0, double X1, double Y1) a, (double X0, double Y0, double X1, double Y1) b) =>
        a.X0 - 4 < b.X1 && b.X0 - 4 < a.X1 && a.Y0 - 4 < b.Y1 && b.Y0 - 4 < a.Y1;
}
