using PerceptionEncoder.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Backbone;

/// <summary>
/// The reference preprocessing (<c>transforms.py</c>, <c>get_image_transform</c>): RGB, squash-resize to N x N
/// (bilinear, aspect ratio ignored) or the native size floored to the patch, then ToTensor and
/// Normalize(mean = std = 0.5), i.e. x = (pixel/255 - 0.5)/0.5 in [-1, 1].
/// </summary>
/// <remarks>
/// The reference resizes the PIL image with PIL's bilinear filter, which widens its support when shrinking
/// (antialiasing). libtorch's <c>interpolate(bilinear, antialias: true, align_corners: false)</c> computes the same
/// separable triangle-filter weights (it was ported from PIL's resampling code). PIL resamples horizontally, rounds to
/// 8 bits, then vertically and rounds again; we run the two passes the same way. What remains is PIL's 22-bit
/// fixed-point weights: measured on a 640x480 image resized to 224, 512 and 1024, at most one grey level apart from
/// PIL 9.4 on about 1% of the pixels (|dx| &lt;= 2/255 after normalisation), identical elsewhere.
/// </remarks>
public static class PeImageTransform
{
    /// <summary>
    /// One image to [3, H, W] float32 in [-1, 1]: squash-resized to <paramref name="size"/> x <paramref name="size"/>
    /// when given, otherwise cropped at the bottom/right to a multiple of <paramref name="patchSize"/> (native size,
    /// what the patch convolution keeps anyway).
    /// </summary>
    /// <exception cref="ArgumentException">A size below one patch.</exception>
    public static Tensor ToTensor(RgbImage image, int? size, int patchSize)
    {
        if (size is < 1) throw new ArgumentException($"image size must be positive (got {size}).");
        using var scope = NewDisposeScope();
        var pixels = torch.tensor(image.Pixels, dtype: ScalarType.Byte).view(image.Height, image.Width, 3) // [H, W, 3]
            .permute(2, 0, 1).to(ScalarType.Float32); // [3, H, W], 0..255
        if (size is { } n)
        {
            if (n < patchSize) throw new ArgumentException($"image size {n} is smaller than one {patchSize}-pixel patch.");
            // PIL resamples horizontally, rounds to 8 bits, then vertically, and rounds again: so do we.
            var batch = pixels.unsqueeze(0); // [1, 3, H, W]
            if (image.Width != n) batch = Resize(batch, image.Height, n); // -> [1, 3, H, n]
            if (image.Height != n) batch = Resize(batch, n, n); // -> [1, 3, n, n]
            pixels = batch.squeeze(0); // [3, n, n]
        }
        else
        {
            int h = image.Height / patchSize * patchSize, w = image.Width / patchSize * patchSize;
            if (h == 0 || w == 0)
                throw new ArgumentException($"an image of {image.Width}x{image.Height} is smaller than one {patchSize}-pixel patch.");
            pixels = pixels.narrow(1, 0, h).narrow(2, 0, w); // [3, H, W] -> [3, h, w]
        }
        return ((pixels / 255f - 0.5f) / 0.5f).contiguous().MoveToOuterDisposeScope();
    }

    private static Tensor Resize(Tensor batch, int height, int width) =>
        nn.functional.interpolate(batch, size: [height, width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true)
            .round().clamp(0, 255);

    /// <summary>Several images of the same output size to [B, 3, H, W] (see <see cref="ToTensor"/>).</summary>
    /// <exception cref="ArgumentException">Images whose output sizes differ (native size), or none.</exception>
    public static Tensor ToBatch(IReadOnlyList<RgbImage> images, int? size, int patchSize)
    {
        if (images.Count == 0) throw new ArgumentException("no images to batch.");
        using var scope = NewDisposeScope();
        var tensors = images.Select(i => ToTensor(i, size, patchSize)).ToList();
        var first = tensors[0].shape;
        if (tensors.Any(t => !t.shape.SequenceEqual(first)))
            throw new ArgumentException("images of a batch must have the same size after preprocessing; batch images of equal size or squash-resize them.");
        return torch.stack(tensors).MoveToOuterDisposeScope(); // [B, 3, H, W]
    }

    /// <summary>The [3, H, W] size an image gets: (size, size), or its size floored to the patch.</summary>
    public static (int Height, int Width) OutputSize(int width, int height, int? size, int patchSize) =>
        size is { } n ? (n, n) : (height / patchSize * patchSize, width / patchSize * patchSize);
}
