using System.Runtime.InteropServices;
using OpenCvSharp;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// Reads video frames as the reference protocol does: cv2.imread (BGR, 8-bit), cv2.resize to the processed size
/// with INTER_LINEAR (half-pixel centres, no antialiasing), /255, BGR→RGB, then per-channel normalisation.
/// </summary>
public static class FrameLoader
{
    /// <summary>Only the size of a frame, (height, width), without decoding it fully where the format allows.</summary>
    public static (int Height, int Width) ReadSize(string path)
    {
        var (width, height) = Imaging.ImageFile.ReadSize(Existing(path));
        return (height, width);
    }

    /// <summary>Reads and preprocesses one frame.</summary>
    /// <returns>[3, H', W'] float32 (RGB, normalised), H'×W' = <see cref="FramePreprocessing.ProcessedSize"/>; and the original size.</returns>
    /// <exception cref="InvalidDataException">The file is not a readable image (the message names it).</exception>
    public static (Tensor Image, int Height, int Width) Read(string path, FramePreprocessing preprocessing)
    {
        using var bgr = Cv2.ImRead(Existing(path), ImreadModes.Color);
        if (bgr.Empty()) throw new InvalidDataException($"{path}: not a readable image.");
        int height = bgr.Rows, width = bgr.Cols;
        var (th, tw) = preprocessing.ProcessedSize(height, width);
        using var resized = new Mat();
        Cv2.Resize(bgr, resized, new OpenCvSharp.Size(tw, th), 0, 0, InterpolationFlags.Linear);
        return (ToTensor(resized, preprocessing.Normalization), height, width);
    }

    /// <summary>Converts an 8-bit BGR image [H, W, 3] to normalised RGB [3, H, W].</summary>
    internal static Tensor ToTensor(Mat bgr, PixelNormalization norm)
    {
        int h = bgr.Rows, w = bgr.Cols, plane = h * w;
        var bytes = new byte[plane * 3];
        using (var continuous = bgr.IsContinuous() ? null : bgr.Clone())
            Marshal.Copy((continuous ?? bgr).Data, bytes, 0, bytes.Length);
        var chw = new float[plane * 3];
        for (int c = 0; c < 3; c++)
        {
            int src = 2 - c; // BGR -> RGB
            float mean = norm.Mean[c], std = norm.Std[c];
            var dst = chw.AsSpan(c * plane, plane);
            for (int p = 0; p < plane; p++)
                dst[p] = (bytes[3 * p + src] / 255f - mean) / std;
        }
        return tensor(chw, [3, h, w]); // [H, W, 3] BGR -> [3, H, W] RGB
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path}: file not found.", path);
}
