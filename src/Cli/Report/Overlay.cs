using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Report;

/// <summary>Label maps drawn over frames for the report.</summary>
public static class Overlay
{
    /// <summary>
    /// Tints each labelled pixel (index &gt; 0) with its palette colour at <paramref name="alpha"/> and draws the
    /// label boundaries opaque, so masks and their edges read at a glance.
    /// </summary>
    public static RgbImage Labels(RgbImage frame, IndexedImage labels, double alpha = 0.45)
    {
        if (frame.Width != labels.Width || frame.Height != labels.Height)
            throw new ArgumentException($"frame {frame.Width}x{frame.Height} and labels {labels.Width}x{labels.Height} differ in size");
        byte[] palette = labels.Palette is { Length: 768 } p ? p : Palettes.Davis;
        var pixels = (byte[])frame.Pixels.Clone();
        int w = frame.Width, h = frame.Height;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int label = labels.Pixels[y * w + x];
                int right = x + 1 < w ? labels.Pixels[y * w + x + 1] : label;
                int down = y + 1 < h ? labels.Pixels[(y + 1) * w + x] : label;
                bool edge = right != label || down != label;
                int shown = label != 0 ? label : Math.Max(right, down); // background edge pixels take the object's colour
                if (shown == 0) continue;
                int colour = shown * 3;
                double a = edge ? 1.0 : alpha;
                for (int c = 0; c < 3; c++)
                {
                    int i = (y * w + x) * 3 + c;
                    pixels[i] = (byte)Math.Round(pixels[i] * (1 - a) + palette[colour + c] * a);
                }
            }
        return new RgbImage(w, h, pixels);
    }

    /// <summary>Images side by side, top-aligned, with a gap, on a white background.</summary>
    public static RgbImage SideBySide(IReadOnlyList<RgbImage> images, int gap = 6)
    {
        int width = images.Sum(i => i.Width) + gap * (images.Count - 1), height = images.Max(i => i.Height);
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255);
        int left = 0;
        foreach (var image in images)
        {
            for (int y = 0; y < image.Height; y++)
                Array.Copy(image.Pixels, y * image.Width * 3, pixels, (y * width + left) * 3, image.Width * 3);
            left += image.Width + gap;
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Images one above the other, left-aligned, with a gap, on a white background.</summary>
    public static RgbImage Stacked(IReadOnlyList<RgbImage> images, int gap = 6)
    {
        int width = images.Max(i => i.Width), height = images.Sum(i => i.Height) + gap * (images.Count - 1);
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255);
        int top = 0;
        foreach (var image in images)
        {
            for (int y = 0; y < image.Height; y++)
                Array.Copy(image.Pixels, y * image.Width * 3, pixels, ((top + y) * width) * 3, image.Width * 3);
            top += image.Height + gap;
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>A label map in its palette colours on black (background stays black).</summary>
    public static RgbImage Palette(IndexedImage labels) =>
        Labels(new RgbImage(labels.Width, labels.Height, new byte[labels.Width * labels.Height * 3]), labels, alpha: 1.0);
}
