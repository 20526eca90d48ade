using PerceptionEncoder.Eval.Formats.Nyu;

namespace PerceptionEncoder.Eval.Nyu;

/// <summary>Resizing a predicted depth map to the ground-truth size.</summary>
public static class DepthResize
{
    /// <summary>
    /// Bilinear resize with <c>align_corners=True</c> (the corner pixels of input and output coincide), as
    /// <c>torch.nn.functional.interpolate(pred, size, mode="bilinear", align_corners=True)</c> in ZoeDepth's and
    /// Depth-Anything's evaluation. Computed in float64 and rounded to float32, so a value may differ from torch's
    /// float32 arithmetic by an ulp. NaN and infinities spread to the neighbours that use them, as in torch.
    /// </summary>
    public static DepthMap BilinearAlignCorners(DepthMap source, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (source.Height == height && source.Width == width) return source;
        var (y0, y1, wy) = Axis(source.Height, height);
        var (x0, x1, wx) = Axis(source.Width, width);
        var output = new float[height * width];
        var src = source.Metres;
        int sw = source.Width;
        for (int y = 0; y < height; y++)
        {
            double ly1 = wy[y], ly0 = 1 - ly1;
            int r0 = y0[y] * sw, r1 = y1[y] * sw;
            for (int x = 0; x < width; x++)
            {
                double lx1 = wx[x], lx0 = 1 - lx1;
                double top = lx0 * src[r0 + x0[x]] + lx1 * src[r0 + x1[x]];
                double bottom = lx0 * src[r1 + x0[x]] + lx1 * src[r1 + x1[x]];
                output[y * width + x] = (float)(ly0 * top + ly1 * bottom);
            }
        }
        return new DepthMap(height, width, output);
    }

    private static (int[] I0, int[] I1, double[] Lambda) Axis(int input, int output)
    {
        double scale = output > 1 ? (input - 1) / (double)(output - 1) : 0;
        var i0 = new int[output];
        var i1 = new int[output];
        var lambda = new double[output];
        for (int i = 0; i < output; i++)
        {
            double src = scale * i;
            int lo = Math.Min((int)src, input - 1);
            i0[i] = lo;
            i1[i] = Math.Min(lo + 1, input - 1);
            lambda[i] = src - lo;
        }
        return (i0, i1, lambda);
    }
}
