using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>
/// Pixel-level resampling on row-major arrays: bilinear with antialiasing for colour images (the triangle filter
/// widened by the scale when shrinking, as PIL's BILINEAR resize), nearest for labels, masks and depth (a target
/// pixel takes the value of the source pixel under its centre, so values and validity are never mixed).
/// </summary>
internal static class Resampling
{
    /// <summary>For each of <paramref name="target"/> positions, the source index under its centre.</summary>
    public static int[] NearestSourceIndices(int source, int target)
    {
        // floor((i + 0.5) * source / target), in exact integer arithmetic (no rounding at ties).
        var map = new int[target];
        for (int i = 0; i < target; i++)
            map[i] = (int)Math.Min(source - 1, (2L * i + 1) * source / (2L * target));
        return map;
    }

    /// <summary>Nearest resize of a [H, W] array.</summary>
    public static T[] ResizeNearest<T>(T[] source, int width, int height, int newWidth, int newHeight)
    {
        int[] xs = NearestSourceIndices(width, newWidth), ys = NearestSourceIndices(height, newHeight);
        var result = new T[newWidth * newHeight];
        for (int y = 0; y < newHeight; y++)
        {
            int s = ys[y] * width, d = y * newWidth;
            for (int x = 0; x < newWidth; x++) result[d + x] = source[s + xs[x]];
        }
        return result;
    }

    /// <summary>The [h, w, channels] window at (x0, y0) of a [H, W, channels] array; the window lies inside.</summary>
    public static T[] Crop<T>(T[] source, int width, int x0, int y0, int w, int h, int channels = 1)
    {
        var result = new T[w * h * channels];
        for (int y = 0; y < h; y++)
            Array.Copy(source, ((y0 + y) * width + x0) * channels, result, y * w * channels, w * channels);
        return result;
    }

    /// <summary>Mirrors a [H, W, channels] array left to right.</summary>
    public static T[] FlipHorizontal<T>(T[] source, int width, int height, int channels = 1)
    {
        var result = new T[source.Length];
        for (int y = 0; y < height; y++)
        {
            int row = y * width * channels;
            for (int x = 0; x < width; x++)
            {
                int s = row + x * channels, d = row + (width - 1 - x) * channels;
                for (int c = 0; c < channels; c++) result[d + c] = source[s + c];
            }
        }
        return result;
    }

    /// <summary>Bilinear (antialiased) resize of an RGB image.</summary>
    public static RgbImage ResizeBilinear(RgbImage image, int newWidth, int newHeight)
    {
        if (newWidth == image.Width && newHeight == image.Height) return image;
        var horizontal = Coefficients(image.Width, newWidth);
        var vertical = Coefficients(image.Height, newHeight);

        // Horizontal pass: [H, W, 3] bytes -> [H, newW, 3] floats.
        var temp = new float[image.Height * newWidth * 3];
        byte[] src = image.Pixels;
        for (int y = 0; y < image.Height; y++)
        {
            int srcRow = y * image.Width * 3, dstRow = y * newWidth * 3;
            for (int x = 0; x < newWidth; x++)
            {
                var (start, weights) = horizontal[x];
                float r = 0, g = 0, b = 0;
                for (int k = 0; k < weights.Length; k++)
                {
                    int s = srcRow + (start + k) * 3;
                    float w = weights[k];
                    r += w * src[s];
                    g += w * src[s + 1];
                    b += w * src[s + 2];
                }
                int d = dstRow + x * 3;
                temp[d] = r;
                temp[d + 1] = g;
                temp[d + 2] = b;
            }
        }

        // Vertical pass: [H, newW, 3] -> [newH, newW, 3] bytes.
        var result = new byte[newHeight * newWidth * 3];
        int rowLength = newWidth * 3;
        var accumulator = new float[rowLength];
        for (int y = 0; y < newHeight; y++)
        {
            var (start, weights) = vertical[y];
            Array.Clear(accumulator);
            for (int k = 0; k < weights.Length; k++)
            {
                float w = weights[k];
                int s = (start + k) * rowLength;
                for (int i = 0; i < rowLength; i++) accumulator[i] += w * temp[s + i];
            }
            int d = y * rowLength;
            for (int i = 0; i < rowLength; i++) result[d + i] = ToByte(accumulator[i]);
        }
        return new RgbImage(newWidth, newHeight, result);
    }

    public static byte ToByte(float value) => value <= 0 ? (byte)0 : value >= 255 ? (byte)255 : (byte)(value + 0.5f);

    /// <summary>Per target position: first source index and normalised triangle-filter weights.</summary>
    private static (int Start, float[] Weights)[] Coefficients(int source, int target)
    {
        double scale = (double)source / target;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterScale; // the triangle filter's support is 1, widened when shrinking
        var result = new (int, float[])[target];
        for (int i = 0; i < target; i++)
        {
            double centre = (i + 0.5) * scale;
            int start = Math.Max(0, (int)(centre - support + 0.5));
            int end = Math.Min(source, (int)(centre + support + 0.5));
            if (end <= start) end = Math.Min(source, start + 1);
            var weights = new float[end - start];
            double total = 0;
            for (int k = 0; k < weights.Length; k++)
            {
                double t = Math.Abs((start + k + 0.5 - centre) / filterScale);
                double w = t < 1 ? 1 - t : 0;
                weights[k] = (float)w;
                total += w;
            }
            if (total <= 0)
            {
                weights = [1f];
                start = Math.Clamp((int)centre, 0, source - 1);
            }
            else
                for (int k = 0; k < weights.Length; k++) weights[k] = (float)(weights[k] / total);
            result[i] = (start, weights);
        }
        return result;
    }
}
