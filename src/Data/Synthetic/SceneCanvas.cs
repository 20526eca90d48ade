using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Synthetic;

/// <summary>
/// A scene being drawn: colour before haze [H, W, 3], depth in metres [H, W] (0 = none, the sky) and, per pixel,
/// the index of the object drawn there (0 = background).
/// </summary>
internal sealed class SceneCanvas
{
    public SceneCanvas(int width, int height)
    {
        Width = width;
        Height = height;
        Colour = new float[width * height * 3];
        Depth = new float[width * height];
        Owner = new byte[width * height];
    }

    public int Width { get; }

    public int Height { get; }

    public float[] Colour { get; private init; }

    public float[] Depth { get; private init; }

    public byte[] Owner { get; private init; }

    public SceneCanvas Clone() => new(Width, Height)
    {
        Colour = (float[])Colour.Clone(),
        Depth = (float[])Depth.Clone(),
        Owner = (byte[])Owner.Clone(),
    };

    public void Set(int x, int y, (float R, float G, float B) c, float depth)
    {
        int i = y * Width + x;
        Colour[3 * i] = c.R;
        Colour[3 * i + 1] = c.G;
        Colour[3 * i + 2] = c.B;
        Depth[i] = depth;
    }

    /// <summary>
    /// The final image: haze by depth (colour·t + haze·(1 - t), t = exp(-depth / fog)), the sky left as drawn,
    /// then per-pixel Gaussian noise.
    /// </summary>
    public RgbImage Finish(double fogDistance, double noise, Random random)
    {
        (float R, float G, float B) haze = (196, 202, 212);
        var pixels = new byte[Width * Height * 3];
        for (int i = 0; i < Depth.Length; i++)
        {
            float t = Depth[i] > 0 ? (float)Math.Exp(-Depth[i] / fogDistance) : 1f;
            float r = Colour[3 * i] * t + haze.R * (1 - t);
            float g = Colour[3 * i + 1] * t + haze.G * (1 - t);
            float b = Colour[3 * i + 2] * t + haze.B * (1 - t);
            pixels[3 * i] = Transforms.Resampling.ToByte(r + (float)(noise * Gaussian(random)));
            pixels[3 * i + 1] = Transforms.Resampling.ToByte(g + (float)(noise * Gaussian(random)));
            pixels[3 * i + 2] = Transforms.Resampling.ToByte(b + (float)(noise * Gaussian(random)));
        }
        return new RgbImage(Width, Height, pixels);
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
