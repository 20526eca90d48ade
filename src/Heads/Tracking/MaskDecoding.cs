using PerceptionEncoder.Imaging;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PerceptionEncoder.Heads.Tracking;

/// <summary>
/// From a propagated soft mask to the label image the protocol writes: bilinear upsampling by the patch size
/// (align_corners=false), per-channel min-max normalisation (the reference's norm_mask), argmax (first maximum
/// wins), then PIL NEAREST resizing to the original frame size.
/// </summary>
public static class MaskDecoding
{
    /// <summary>Upsamples by <paramref name="patch"/> and applies norm_mask.</summary>
    /// <param name="soft">[K, h, w] soft mask.</param>
    /// <param name="patch">Integer upsampling factor (the backbone's patch size).</param>
    /// <returns>[K, h·p, w·p] scores: every channel whose maximum is positive rescaled to [0, 1]; the others unchanged.</returns>
    public static Tensor UpsampleAndNormalize(Tensor soft, int patch)
    {
        if (patch < 1) throw new ArgumentException($"patch must be positive (got {patch}).");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var up = F.interpolate(soft.unsqueeze(0), scale_factor: [patch, patch], mode: InterpolationMode.Bilinear,
            align_corners: false, recompute_scale_factor: false).squeeze(0); // [1, K, h, w] -> [K, h·p, w·p]
        var positive = up.amax([1, 2], keepdim: true).gt(0); // [K, 1, 1]
        var shifted = up - up.amin([1, 2], keepdim: true);
        var rescaled = shifted / shifted.amax([1, 2], keepdim: true);
        return where(positive, rescaled, up).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per pixel, the index of the largest channel; the first wins among equals, and NaN counts as the largest
    /// (as torch.max on the CPU).
    /// </summary>
    /// <param name="scores">[K, H, W] with K ≤ 256.</param>
    /// <returns>Row-major [H, W] labels.</returns>
    public static byte[] Argmax(Tensor scores)
    {
        if (scores.dim() != 3 || scores.shape[0] > 256)
            throw new ArgumentException($"scores must be [K ≤ 256, H, W], got [{string.Join(", ", scores.shape)}].");
        int k = (int)scores.shape[0], plane = (int)(scores.shape[1] * scores.shape[2]);
        float[] data;
        using (var scope = NewDisposeScope())
            data = scores.to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        var labels = new byte[plane];
        var best = data.AsSpan(0, plane).ToArray();
        for (int c = 1; c < k; c++)
        {
            var channel = data.AsSpan(c * plane, plane);
            for (int p = 0; p < plane; p++)
            {
                float v = channel[p];
                if (v > best[p] || float.IsNaN(v) && !float.IsNaN(best[p]))
                {
                    best[p] = v;
                    labels[p] = (byte)c;
                }
            }
        }
        return labels;
    }

    /// <summary>
    /// The whole output path of one frame: upsample, norm_mask, argmax, PIL NEAREST to the original size.
    /// </summary>
    /// <param name="soft">[K, h, w] soft mask.</param>
    /// <param name="patch">Upsampling factor.</param>
    /// <param name="height">Original frame height.</param>
    /// <param name="width">Original frame width.</param>
    /// <returns>The labels at the processed size [h·p, w·p] and at the original size, with the DAVIS palette.</returns>
    public static (IndexedImage Processed, IndexedImage Original) Decode(Tensor soft, int patch, int height, int width)
    {
        using var scores = UpsampleAndNormalize(soft, patch);
        int ph = (int)scores.shape[1], pw = (int)scores.shape[2];
        byte[] processed = Argmax(scores);
        byte[] original = PilNearest.Resize<byte>(processed, ph, pw, height, width);
        return (new IndexedImage(pw, ph, processed, Palettes.Davis), new IndexedImage(width, height, original, Palettes.Davis));
    }
}
