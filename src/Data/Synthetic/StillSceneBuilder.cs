using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Data.Synthetic;

/// <summary>Composes one still scene: background, objects standing on the ground without overlapping, maybe a crowd.</summary>
internal static class StillSceneBuilder
{
    private const int Margin = 3;

    public static SyntheticScene Build(SceneOptions options, int seed)
    {
        var random = new Random(seed);
        var layout = SceneLayout.Draw(options.Width, options.Height, options.FocalFraction, random);
        var canvas = SceneRenderer.Background(layout);
        var taken = new List<(double X0, double Y0, double X1, double Y1)>();
        var objects = new List<SyntheticObject>();

        int wanted = random.Next(options.MinObjects, options.MaxObjects + 1);
        for (int k = 0; k < wanted; k++)
            for (int attempt = 0; attempt < 40; attempt++)
                if (TryPlaceObject(canvas, layout, options, random, taken, objects)) break;

        if (random.NextDouble() < options.CrowdProbability)
            for (int attempt = 0; attempt < 40; attempt++)
                if (TryPlaceCrowd(canvas, layout, random, taken, objects)) break;

        var image = canvas.Finish(options.FogDistance, options.Noise, random);
        var valid = canvas.Depth.Select(d => d > 0).ToArray();
        var depth = new DepthTarget(options.Width, options.Height, (float[])canvas.Depth.Clone(), valid);
        return new SyntheticScene(image, depth, objects, layout.Focal);
    }

    private static bool TryPlaceObject(SceneCanvas canvas, SceneLayout layout, SceneOptions options, Random random,
        List<(double, double, double, double)> taken, List<SyntheticObject> objects)
    {
        var category = SyntheticCategory.All[random.Next(SyntheticCategory.All.Count)];
        double footRow = layout.WallFootRow + 2 + (layout.Height - layout.WallFootRow - 2) * random.NextDouble();
        double depth = layout.GroundDepthAt(footRow);
        double height = layout.Focal * (0.35 + 0.75 * random.NextDouble()) / depth;
        if (height < options.MinObjectSize) height = options.MinObjectSize + 6 * random.NextDouble();
        if (height > 0.55 * layout.Height) height = 0.55 * layout.Height * (0.8 + 0.2 * random.NextDouble());
        double width = height * category.Aspect * (0.9 + 0.2 * random.NextDouble());
        if (width + 2 * Margin >= layout.Width) return false;
        double footX = width / 2 + Margin + (layout.Width - width - 2 * Margin) * random.NextDouble();
        double rotation = category.Shape == ShapeKind.Block ? 0.3 * (random.NextDouble() - 0.5) : 0;
        var colour = SceneRenderer.ObjectColour(category, random);
        if (footRow - height < 1) return false;
        var box = (footX - width / 2 - Margin, footRow - height - Margin, footX + width / 2 + Margin, footRow + Margin);
        if (taken.Any(t => Overlaps(t, box))) return false;

        double[] polygon = SceneRenderer.Outline(category.Shape, footX, footRow, width, height, rotation);
        var mask = Rle.FromPolygon(polygon, layout.Height, layout.Width);
        if (mask.Area < 30) return false;
        SceneRenderer.Paint(canvas, mask, category, colour, footX, footRow, height, depth, layout.Focal, (byte)(objects.Count + 1));
        taken.Add(box);
        objects.Add(new SyntheticObject(category, polygon, mask, mask.ToBbox(), IsCrowd: false, depth));
        return true;
    }

    /// <summary>A cluster of tiny same-category shapes, annotated as one crowd region (an RLE of their union).</summary>
    private static bool TryPlaceCrowd(SceneCanvas canvas, SceneLayout layout, Random random,
        List<(double, double, double, double)> taken, List<SyntheticObject> objects)
    {
        var category = SyntheticCategory.All[random.Next(SyntheticCategory.All.Count)];
        double regionWidth = 30 + 40 * random.NextDouble(), regionHeight = 14 + 14 * random.NextDouble();
        if (layout.Height - layout.WallFootRow - 2 < regionHeight || regionWidth + 2 * Margin >= layout.Width) return false;
        double bottom = layout.WallFootRow + regionHeight + (layout.Height - layout.WallFootRow - regionHeight) * random.NextDouble();
        double left = Margin + (layout.Width - regionWidth - 2 * Margin) * random.NextDouble();
        var box = (left - Margin, bottom - regionHeight - Margin, left + regionWidth + Margin, bottom + Margin);
        if (taken.Any(t => Overlaps(t, box))) return false;

        var colour = SceneRenderer.ObjectColour(category, random);
        var parts = new List<(Rle Mask, double FootX, double FootRow, double Size)>();
        int count = 8 + random.Next(9);
        for (int k = 0; k < count; k++)
        {
            double size = 4 + 4 * random.NextDouble();
            double footX = left + size / 2 + (regionWidth - size) * random.NextDouble();
            double footRow = bottom - (regionHeight - size) * random.NextDouble();
            double[] polygon = SceneRenderer.Outline(category.Shape, footX, footRow, size * category.Aspect, size, 0);
            var part = Rle.FromPolygon(polygon, layout.Height, layout.Width);
            if (part.Area > 0) parts.Add((part, footX, footRow, size));
        }
        if (parts.Count < 3) return false;
        foreach (var (part, footX, footRow, size) in parts)
            SceneRenderer.Paint(canvas, part, category, colour, footX, footRow, size, layout.GroundDepthAt(footRow), layout.Focal, 0);
        var union = Rle.Merge(parts.Select(p => p.Mask).ToList());
        taken.Add(box);
        objects.Add(new SyntheticObject(category, null, union, union.ToBbox(), IsCrowd: true, layout.GroundDepthAt(bottom)));
        return true;
    }

    private static bool Overlaps((double X0, double Y0, double X1, double Y1) a, (double X0, double Y0, double X1, double Y1) b) =>
        a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1;
}
