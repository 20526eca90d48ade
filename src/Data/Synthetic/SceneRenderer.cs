using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Data.Synthetic;

/// <summary>Draws backgrounds and objects of synthetic scenes (shared by still images and videos).</summary>
internal static class SceneRenderer
{
    /// <summary>The ground, the wall and the sky, with depth.</summary>
    public static SceneCanvas Background(SceneLayout layout)
    {
        var canvas = new SceneCanvas(layout.Width, layout.Height);
        var s = layout.Style;
        double f = layout.Focal, foot = layout.WallFootRow, top = layout.WallTopRow;
        for (int y = 0; y < layout.Height; y++)
        {
            double row = y + 0.5;
            for (int x = 0; x < layout.Width; x++)
            {
                double col = x + 0.5;
                if (row >= foot)
                {
                    double z = layout.GroundDepthAt(row);
                    double wx = (col - layout.CentreX) * z / f;
                    double fu = z / f, fv = z * z / (f * layout.CameraHeight);
                    canvas.Set(x, y, Ground(s, wx, z, fu, fv), (float)z);
                }
                else if (row >= top)
                {
                    double z = layout.WallDistance;
                    double wx = (col - layout.CentreX) * z / f;
                    double wy = layout.CameraHeight - (row - layout.Horizon) * z / f;
                    canvas.Set(x, y, Wall(s, wx, wy, z / f), (float)z);
                }
                else
                {
                    double a = Math.Clamp(row / Math.Max(1, Math.Min(layout.Horizon, top)), 0, 1);
                    canvas.Set(x, y, Mix(s.SkyTop, s.SkyHorizon, a), 0);
                }
            }
        }
        return canvas;
    }

    private static (float, float, float) Ground(BackgroundStyle s, double x, double z, double fu, double fv)
    {
        double p = s.GroundPeriod, footprint = Math.Max(fu, fv);
        double value = s.GroundKind switch
        {
            0 => 0.5 + 0.5 * Textures.Square(x, p, fu) * Textures.Square(z, p, fv),
            1 => 0.35 + 0.65 * Textures.Lines(x, p * 0.5, p * 0.06, fu) + 0.8 * Textures.Noise(x * 4, z * 0.5, p, footprint, s.NoiseSeed),
            _ => 0.5 + 1.6 * Textures.Noise(x, z, p * 0.25, footprint, s.NoiseSeed),
        };
        value += 0.5 * Textures.Noise(x, z, 0.08, footprint, s.NoiseSeed + 7);
        return Mix(s.GroundA, s.GroundB, Math.Clamp(value, 0, 1));
    }

    private static (float, float, float) Wall(BackgroundStyle s, double x, double y, double footprint)
    {
        double value;
        switch (s.WallKind)
        {
            case 0: // bricks 0.45 x 0.2 m with mortar
                {
                    double course = Math.Floor(y / 0.2);
                    double shifted = x + (course % 2 == 0 ? 0 : 0.225);
                    double brick = Textures.Hash((long)Math.Floor(shifted / 0.45), (long)course, s.NoiseSeed);
                    double mortar = Math.Max(Textures.Lines(y, 0.2, 0.025, footprint), Textures.Lines(shifted, 0.45, 0.025, footprint));
                    value = 0.25 + 0.35 * brick * Textures.Visibility(0.2, footprint) + 0.75 * mortar;
                    break;
                }
            case 1: // vertical panels
                value = 0.3 + 0.7 * Textures.Lines(x, s.WallPeriod, 0.03, footprint) + 0.6 * Textures.Noise(x, y * 0.3, 0.2, footprint, s.NoiseSeed);
                break;
            default: // plaster
                value = 0.5 + 1.4 * Textures.Noise(x, y, 0.25 * s.WallPeriod, footprint, s.NoiseSeed);
                break;
        }
        return Mix(s.WallA, s.WallB, Math.Clamp(value, 0, 1));
    }

    public static (float R, float G, float B) Mix((float R, float G, float B) a, (float R, float G, float B) b, double t) =>
        ((float)(a.R + (b.R - a.R) * t), (float)(a.G + (b.G - a.G) * t), (float)(a.B + (b.B - a.B) * t));

    /// <summary>The outline of an object standing at (footX, footRow), <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public static double[] Outline(ShapeKind shape, double footX, double footRow, double width, double height, double rotation)
    {
        double cx = footX, cy = footRow - height / 2, rx = width / 2, ry = height / 2;
        var unit = shape switch
        {
            ShapeKind.Disc => Enumerable.Range(0, 32).Select(k => (Math.Sin(2 * Math.PI * k / 32), -Math.Cos(2 * Math.PI * k / 32))).ToList(),
            ShapeKind.Block => [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)],
            ShapeKind.Cone => [(0.0, -1.0), (1.0, 1.0), (-1.0, 1.0)],
            ShapeKind.Star => Enumerable.Range(0, 10).Select(k =>
            {
                // Points at radius 1 and 0.45; the lowest points (at ±144°) sit at y = cos 36° = 0.809, stretched to 1.
                double r = k % 2 == 0 ? 1.0 : 0.45, a = Math.PI * k / 5;
                return (r * Math.Sin(a), -1 + (1 - r * Math.Cos(a)) * 2 / (1 + Math.Cos(Math.PI / 5)));
            }).ToList(),
            ShapeKind.Cross => [(-0.33, -1.0), (0.33, -1.0), (0.33, -0.33), (1.0, -0.33), (1.0, 0.33), (0.33, 0.33),
                (0.33, 1.0), (-0.33, 1.0), (-0.33, 0.33), (-1.0, 0.33), (-1.0, -0.33), (-0.33, -0.33)],
            _ => [(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)],
        };
        double cos = Math.Cos(rotation), sin = Math.Sin(rotation);
        var xy = new double[unit.Count * 2];
        for (int k = 0; k < unit.Count; k++)
        {
            double ux = unit[k].Item1 * rx, uy = unit[k].Item2 * ry;
            xy[2 * k] = Math.Round(cx + ux * cos - uy * sin, 2);
            xy[2 * k + 1] = Math.Round(cy + ux * sin + uy * cos, 2);
        }
        return xy;
    }

    /// <summary>
    /// Paints an object's mask pixels with its colour and pattern (in object-local metres, so the pattern shrinks
    /// with distance) at depth <paramref name="depth"/>, and marks them with <paramref name="owner"/>.
    /// </summary>
    public static void Paint(SceneCanvas canvas, Rle mask, SyntheticCategory category, (float R, float G, float B) colour,
        double footX, double footRow, double height, double depth, double focal, byte owner)
    {
        byte[] pixels = mask.Decode();
        double metresPerPixel = depth / focal;
        double cy = footRow - height / 2;
        for (int y = 0; y < canvas.Height; y++)
            for (int x = 0; x < canvas.Width; x++)
            {
                if (pixels[y * canvas.Width + x] == 0) continue;
                double u = (x + 0.5 - footX) * metresPerPixel, v = (footRow - (y + 0.5)) * metresPerPixel;
                double radial = Math.Min(1, Math.Sqrt(Math.Pow(x + 0.5 - footX, 2) + Math.Pow(y + 0.5 - cy, 2)) / (height / 2));
                double p = Textures.Pattern(category.Pattern, u, v, metresPerPixel, radial);
                double light = 1 + 0.35 * p + 0.12 * (0.5 - (y + 0.5 - (footRow - height)) / height);
                canvas.Set(x, y, ((float)Math.Min(255, colour.R * light), (float)Math.Min(255, colour.G * light), (float)Math.Min(255, colour.B * light)), (float)depth);
                canvas.Owner[y * canvas.Width + x] = owner;
            }
    }

    /// <summary>An object's colour: its category's hue, jittered, saturated.</summary>
    public static (float R, float G, float B) ObjectColour(SyntheticCategory category, Random random) =>
        Textures.Hsv(category.Hue + 24 * (random.NextDouble() - 0.5), 0.6 + 0.3 * random.NextDouble(), 0.65 + 0.3 * random.NextDouble());
}
