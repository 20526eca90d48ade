using System.Runtime.InteropServices;
using OpenCvSharp;
using PerceptionEncoder.Heads.Detection.Inference;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Heads.Detection.Visualization;

/// <summary>
/// Draws detections over an image so they read at a glance: a colour per category, boxes and labels sized to the
/// image, the label ("name 0.87") in a filled box of the category's colour with black or white text, whichever
/// contrasts more; the best detections are drawn last, on top.
/// </summary>
public static class DetectionDrawing
{
    // Distinct, saturated colours (RGB), cycled by category id.
    private static readonly (byte R, byte G, byte B)[] Palette =
    [
        (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
        (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255),
        (170, 110, 40), (255, 250, 200), (128, 0, 0), (170, 255, 195), (128, 128, 0), (255, 215, 180),
        (0, 0, 128), (128, 128, 128),
    ];

    /// <summary>The colour of a category.</summary>
    public static (byte R, byte G, byte B) ColourOf(int categoryId) => Palette[(categoryId % Palette.Length + Palette.Length) % Palette.Length];

    /// <summary>Draws <paramref name="detections"/> (in <paramref name="image"/>'s coordinates) on a copy of the image.</summary>
    public static RgbImage Draw(RgbImage image, IReadOnlyList<LabeledDetection> detections)
    {
        using var source = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, image.Pixels, 0);
        using var canvas = source.Clone();
        int shortSide = Math.Min(image.Width, image.Height);
        int thickness = Math.Max(1, (int)Math.Round(shortSide / 250.0));
        double fontScale = Math.Max(0.35, shortSide / 900.0);
        int textThickness = Math.Max(1, thickness / 2);
        foreach (var d in detections.OrderBy(d => d.Score))
        {
            var (r, g, b) = ColourOf(d.CategoryId);
            var colour = new Scalar(r, g, b);                                   // the Mat holds RGB, so channels in that order
            var topLeft = new Point((int)Math.Round(d.Box.X1), (int)Math.Round(d.Box.Y1));
            var bottomRight = new Point((int)Math.Round(d.Box.X2), (int)Math.Round(d.Box.Y2));
            Cv2.Rectangle(canvas, topLeft, bottomRight, colour, thickness, LineTypes.Link8);

            string label = FormattableString.Invariant($"{d.CategoryName} {d.Score:0.00}");
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, fontScale, textThickness, out int baseline);
            int pad = Math.Max(2, thickness);
            int labelHeight = size.Height + baseline + 2 * pad;
            // Above the box when there is room, otherwise inside it at the top.
            int top = topLeft.Y - labelHeight >= 0 ? topLeft.Y - labelHeight : topLeft.Y;
            int left = Math.Clamp(topLeft.X, 0, Math.Max(0, image.Width - size.Width - 2 * pad));
            Cv2.Rectangle(canvas, new Rect(left, top, size.Width + 2 * pad, labelHeight), colour, -1);
            double luminance = 0.299 * r + 0.587 * g + 0.114 * b;
            var textColour = luminance > 140 ? Scalar.Black : Scalar.White;
            Cv2.PutText(canvas, label, new Point(left + pad, top + pad + size.Height), HersheyFonts.HersheySimplex, fontScale,
                textColour, textThickness, LineTypes.AntiAlias);
        }
        var pixels = new byte[image.Pixels.Length];
        Marshal.Copy(canvas.Data, pixels, 0, pixels.Length);                       // a clone is continuous
        return new RgbImage(image.Width, image.Height, pixels);
    }
}
