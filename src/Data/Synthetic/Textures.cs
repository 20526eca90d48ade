namespace PerceptionEncoder.Data.Synthetic;

/// <summary>Procedural colours and patterns. Patterns fade out as their period nears the pixel footprint (no aliasing).</summary>
internal static class Textures
{
    /// <summary>HSV (hue in degrees, s and v in [0, 1]) to RGB in [0, 255].</summary>
    public static (float R, float G, float B) Hsv(double hue, double s, double v)
    {
        hue = ((hue % 360) + 360) % 360;
        double c = v * s, x = c * (1 - Math.Abs(hue / 60 % 2 - 1)), m = v - c;
        var (r, g, b) = (int)(hue / 60) switch
        {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        return ((float)((r + m) * 255), (float)((g + m) * 255), (float)((b + m) * 255));
    }

    /// <summary>How much of a pattern of period <paramref name="period"/> survives a pixel footprint: 1 from 4 pixels per period, 0 below 2.</summary>
    public static double Visibility(double period, double footprint) => Math.Clamp((period / Math.Max(footprint, 1e-9) - 2) / 2, 0, 1);

    /// <summary>A hash of integer lattice coordinates to [0, 1).</summary>
    public static double Hash(long x, long y, int seed)
    {
        unchecked
        {
            ulong h = (ulong)x * 0x9E3779B97F4A7C15UL ^ (ulong)y * 0xC2B2AE3D27D4EB4FUL ^ (ulong)seed * 0x165667B19E3779F9UL;
            h ^= h >> 29;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 32;
            return (h >> 11) * (1.0 / (1UL << 53));
        }
    }

    /// <summary>Smooth value noise in [0, 1] with unit lattice spacing.</summary>
    public static double ValueNoise(double x, double y, int seed)
    {
        long ix = (long)Math.Floor(x), iy = (long)Math.Floor(y);
        double fx = x - ix, fy = y - iy;
        fx = fx * fx * (3 - 2 * fx);
        fy = fy * fy * (3 - 2 * fy);
        double a = Hash(ix, iy, seed), b = Hash(ix + 1, iy, seed), c = Hash(ix, iy + 1, seed), d = Hash(ix + 1, iy + 1, seed);
        return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
    }

    /// <summary>Two octaves of value noise at scale <paramref name="scale"/> (metres), centred on 0, faded by the footprint.</summary>
    public static double Noise(double u, double v, double scale, double footprint, int seed)
    {
        double n1 = (ValueNoise(u / scale, v / scale, seed) - 0.5) * Visibility(scale * 2, footprint);
        double n2 = (ValueNoise(u / scale * 2.7, v / scale * 2.7, seed + 1) - 0.5) * 0.5 * Visibility(scale * 2 / 2.7, footprint);
        return n1 + n2;
    }

    /// <summary>A square wave of period <paramref name="period"/>: +1 / -1, faded to 0 as it becomes finer than the footprint.</summary>
    public static double Square(double t, double period, double footprint)
    {
        double phase = t / period - Math.Floor(t / period);
        return (phase < 0.5 ? 1 : -1) * Visibility(period, footprint);
    }

    /// <summary>A thin line every <paramref name="period"/> (1 on the line, 0 elsewhere), faded by the footprint.</summary>
    public static double Lines(double t, double period, double width, double footprint)
    {
        double phase = t / period - Math.Floor(t / period);
        return (phase < width / period ? 1 : 0) * Visibility(period, footprint);
    }

    /// <summary>The pattern of an object category at object-local metres (u right, v up), in [-1, 1].</summary>
    public static double Pattern(PatternKind kind, double u, double v, double footprint, double radial)
    {
        const double p = 0.14;
        return kind switch
        {
            PatternKind.Shaded => 0.6 * (0.5 - radial),
            PatternKind.Checker => Square(u, p, footprint) * Square(v, p, footprint),
            PatternKind.Stripes => Square(v, p, footprint),
            PatternKind.Dots => DotsAt(u, v, p, footprint),
            PatternKind.Diagonals => Square(u + v, p * 1.2, footprint),
            PatternKind.Grid => Math.Max(Lines(u, p, p * 0.3, footprint), Lines(v, p, p * 0.3, footprint)) * 2 - 1 * Visibility(p, footprint),
            _ => 0,
        };
    }

    private static double DotsAt(double u, double v, double period, double footprint)
    {
        double du = u / period - Math.Floor(u / period) - 0.5, dv = v / period - Math.Floor(v / period) - 0.5;
        return (du * du + dv * dv < 0.09 ? 1 : -0.4) * Visibility(period, footprint);
    }
}
