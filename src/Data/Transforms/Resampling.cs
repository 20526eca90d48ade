using PerceptionEncoder.Imaging;
using TorchSharp;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>
/// Pixel-level resampling on row-major arrays: bilinear with antialiasing for colour images (the triangle filter
/// widened by the scale when shrinking, as PIL's BILINEAR resize and the backbone's preprocessing), nearest for
/// labels, masks and depth (a target pixel takes the value of the source pixel under its centre, so values and
/// validity are never mixed).
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

    /// <summary>
    /// Bilinear (antialiased) resize of an RGB image, computed exactly as the backbone's reference preprocessing
    /// (<see cref="Backbone.PeImageTransform"/>, PIL's BILINEAR): libtorch's antialiased bilinear interpolation,
    /// horizontally, rounded to 8 bits, then vertically, rounded again. A squash-resize here therefore gives the
    /// very pixels <c>pe features</c> gives the backbone.
    /// </summary>
    public static RgbImage ResizeBilinear(RgbImage image, int newWidth, int newHeight)
    {
        if (newWidth == image.Width && newHeight == image.Height) return image;
        using var scope = torch.NewDisposeScope();
        var pixels = torch.tensor(image.Pixels, dtype: torch.ScalarType.Byte).view(image.Height, image.Width, 3) // [H, W, 3]
            .permute(2, 0, 1).unsqueeze(0).to(torch.ScalarType.Float32); // -> [1, 3, H, W]
        if (newWidth != image.Width) pixels = Interpolate(pixels, image.Height, newWidth); // -> [1, 3, H, W']
        if (newHeight != image.Height) pixels = Interpolate(pixels, newHeight, newWidth); // -> [1, 3, H', W']
        using var bytes = pixels.squeeze(0).permute(1, 2, 0).contiguous().to(torch.ScalarType.Byte); // [1, 3, H', W'] -> [H', W', 3]
        return new RgbImage(newWidth, newHeight, bytes.data<byte>().ToArray());
    }

    private static torch.Tensor Interpolate(torch.Tensor batch, int height, int width) =>
        torch.nn.functional.interpolate(batch, size: [height, width], mode: torch.InterpolationMode.Bilinear, align_corners: false, antialias: true)
            .round().clamp(0, 255);

    public static byte ToByte(float value) => value <= 0 ? (byte)0 : value >= 255 ? (byte)255 : (byte)(value + 0.5f);
}
