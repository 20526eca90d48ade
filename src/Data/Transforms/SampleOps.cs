using PerceptionEncoder.Data.Samples;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Data.Transforms;

/// <summary>
/// The geometric operations every transform is made of, applied to the pixels and to every target so they stay
/// aligned: boxes move with the affine map, masks, label maps and depth (with its validity) are resampled by
/// nearest neighbour.
/// </summary>
public static class SampleOps
{
    /// <summary>Instances whose box, once cropped, is thinner than this (pixels) are dropped.</summary>
    public const float MinBoxSide = 1f;

    /// <summary>Resizes the content to <paramref name="width"/> × <paramref name="height"/> (aspect not kept); the padding is dropped.</summary>
    public static Sample Resize(Sample sample, int width, int height)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"cannot resize {sample.Id} to {width}x{height}.");
        double sx = (double)width / sample.Width, sy = (double)height / sample.Height;
        if (width == sample.Width && height == sample.Height)
            return sample with { CanvasWidth = 0, CanvasHeight = 0 };
        return sample with
        {
            Width = width,
            Height = height,
            CanvasWidth = 0,
            CanvasHeight = 0,
            Image = sample.Image == null ? null : Resampling.ResizeBilinear(sample.Image, width, height),
            Instances = sample.Instances?.Select(i => i with
            {
                Box = new BoxF((float)(i.Box.X0 * sx), (float)(i.Box.Y0 * sy), (float)(i.Box.X1 * sx), (float)(i.Box.Y1 * sy)),
                Mask = i.Mask == null ? null
                    : new BinaryMask(width, height, Resampling.ResizeNearest(i.Mask.Pixels, i.Mask.Width, i.Mask.Height, width, height)),
            }).ToList(),
            Depth = sample.Depth is { } d
                ? new DepthTarget(width, height, Resampling.ResizeNearest(d.Metres, d.Width, d.Height, width, height),
                    Resampling.ResizeNearest(d.Valid, d.Width, d.Height, width, height))
                : null,
            Segmentation = sample.Segmentation is { } s
                ? s with { Width = width, Height = height, Pixels = Resampling.ResizeNearest(s.Pixels, s.Width, s.Height, width, height) }
                : null,
            Geometry = sample.Geometry.Then(sx, 0, sy, 0),
        };
    }

    /// <summary>Keeps the window (x0, y0, width, height) of the content, which must lie inside it; the padding is dropped.</summary>
    public static Sample Crop(Sample sample, int x0, int y0, int width, int height)
    {
        if (x0 < 0 || y0 < 0 || width < 1 || height < 1 || x0 + width > sample.Width || y0 + height > sample.Height)
            throw new ArgumentException($"crop ({x0}, {y0}, {width}x{height}) is outside {sample.Id} ({sample.Width}x{sample.Height}).");
        var instances = new List<Instance>();
        foreach (var i in sample.Instances ?? [])
        {
            var box = new BoxF(i.Box.X0 - x0, i.Box.Y0 - y0, i.Box.X1 - x0, i.Box.Y1 - y0).Clip(width, height);
            if (box.Width < MinBoxSide || box.Height < MinBoxSide) continue;
            instances.Add(i with
            {
                Box = box,
                Mask = i.Mask == null ? null : new BinaryMask(width, height, Resampling.Crop(i.Mask.Pixels, i.Mask.Width, x0, y0, width, height)),
            });
        }
        return sample with
        {
            Width = width,
            Height = height,
            CanvasWidth = 0,
            CanvasHeight = 0,
            Image = sample.Image is { } img ? new RgbImage(width, height, Resampling.Crop(img.Pixels, img.Width, x0, y0, width, height, 3)) : null,
            Instances = sample.Instances == null ? null : instances,
            Depth = sample.Depth is { } d
                ? new DepthTarget(width, height, Resampling.Crop(d.Metres, d.Width, x0, y0, width, height), Resampling.Crop(d.Valid, d.Width, x0, y0, width, height))
                : null,
            Segmentation = sample.Segmentation is { } s
                ? s with { Width = width, Height = height, Pixels = Resampling.Crop(s.Pixels, s.Width, x0, y0, width, height) }
                : null,
            Geometry = sample.Geometry.Then(1, -x0, 1, -y0),
        };
    }

    /// <summary>Mirrors the content left to right (the padding stays on the right).</summary>
    public static Sample FlipHorizontal(Sample sample)
    {
        int w = sample.Width, h = sample.Height;
        return sample with
        {
            Image = sample.Image is { } img ? new RgbImage(w, h, Resampling.FlipHorizontal(img.Pixels, w, h, 3)) : null,
            Instances = sample.Instances?.Select(i => i with
            {
                Box = new BoxF(w - i.Box.X1, i.Box.Y0, w - i.Box.X0, i.Box.Y1),
                Mask = i.Mask == null ? null : new BinaryMask(w, h, Resampling.FlipHorizontal(i.Mask.Pixels, w, h)),
            }).ToList(),
            Depth = sample.Depth is { } d
                ? new DepthTarget(w, h, Resampling.FlipHorizontal(d.Metres, w, h), Resampling.FlipHorizontal(d.Valid, w, h))
                : null,
            Segmentation = sample.Segmentation is { } s ? s with { Pixels = Resampling.FlipHorizontal(s.Pixels, w, h) } : null,
            Geometry = sample.Geometry.Then(-1, w, 1, 0),
        };
    }

    /// <summary>Sets the padded canvas size (at least the content size).</summary>
    public static Sample Pad(Sample sample, int canvasWidth, int canvasHeight) =>
        sample with { CanvasWidth = Math.Max(canvasWidth, sample.Width), CanvasHeight = Math.Max(canvasHeight, sample.Height) };

    /// <summary>Rounds <paramref name="value"/> up to a multiple of <paramref name="divisor"/>.</summary>
    public static int RoundUp(int value, int divisor) => divisor <= 1 ? value : (value + divisor - 1) / divisor * divisor;
}
