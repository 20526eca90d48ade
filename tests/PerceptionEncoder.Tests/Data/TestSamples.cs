using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Data.Synthetic;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Tests.Data;

/// <summary>Samples made by the tests themselves: synthetic scenes with masks and depth, and marker images.</summary>
internal static class TestSamples
{
    /// <summary>A synthetic scene as a sample with instances (masks, boxes = mask bounds) and depth.</summary>
    public static Sample Scene(int seed, int width = 160, int height = 120)
    {
        var scene = SyntheticScenes.Render(seed, new SceneOptions { Width = width, Height = height, MinObjects = 2, MaxObjects = 5, MinObjectSize = 10 });
        var instances = scene.Objects.Select((o, k) => new Instance(k + 1, o.Category.Id, k, ToBox(o), o.IsCrowd, o.Area,
            new BinaryMask(width, height, o.Mask.Decode()))).ToList();
        return Sample.Create($"scene-{seed}", width, height) with { Image = scene.Image, Instances = instances, Depth = scene.Depth };
    }

    private static BoxF ToBox(SyntheticObject o) => BoxF.FromXywh(o.Box.X, o.Box.Y, o.Box.Width, o.Box.Height);

    /// <summary>
    /// A sample whose pixels, depth and validity encode their own position: depth = 1 + index/1000 (index = y·W + x),
    /// invalid where index % 7 == 0; red/green = x/y; one instance mask = a disc.
    /// </summary>
    public static Sample Marker(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        var metres = new float[width * height];
        var valid = new bool[width * height];
        var mask = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                pixels[3 * i] = (byte)(x * 255 / Math.Max(1, width - 1));
                pixels[3 * i + 1] = (byte)(y * 255 / Math.Max(1, height - 1));
                pixels[3 * i + 2] = (byte)((x * 7 + y * 13) % 256);
                valid[i] = i % 7 != 0;
                metres[i] = valid[i] ? 1 + i / 1000f : 0;
                double dx = x + 0.5 - width * 0.4, dy = y + 0.5 - height * 0.55;
                mask[i] = dx * dx + dy * dy < Math.Pow(Math.Min(width, height) * 0.25, 2) ? (byte)1 : (byte)0;
            }
        var m = new BinaryMask(width, height, mask);
        var instance = new Instance(1, 3, 0, m.Bounds()!.Value, false, m.Area, m);
        return Sample.Create("marker", width, height) with
        {
            Image = new RgbImage(width, height, pixels),
            Depth = new DepthTarget(width, height, metres, valid),
            Instances = [instance],
        };
    }
}
