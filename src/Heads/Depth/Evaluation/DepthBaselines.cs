using DepthMap = PerceptionEncoder.Eval.Formats.Nyu.DepthMap;
using SampleDepth = PerceptionEncoder.Data.Samples.DepthTarget;

namespace PerceptionEncoder.Heads.Depth.Evaluation;

/// <summary>
/// The two trivial predictors every depth result is reported beside, fitted on the training split's ground truth:
/// one constant (the median valid training depth) and one map (per pixel, the median of the training depths valid
/// there, on a common grid; pixels never valid take the constant). They show what the images' layout alone gives,
/// e.g. that the floor is near the bottom of the frame.
/// </summary>
public sealed class DepthBaselines
{
    private DepthBaselines(float constant, int gridHeight, int gridWidth, float[] pixelMedian, int images)
    {
        Constant = constant;
        GridHeight = gridHeight;
        GridWidth = gridWidth;
        PixelMedian = pixelMedian;
        Images = images;
    }

    /// <summary>The median of every valid training depth on the grid, in metres.</summary>
    public float Constant { get; }

    public int GridHeight { get; }

    public int GridWidth { get; }

    /// <summary>Per-pixel medians on the grid, row-major [GridHeight, GridWidth].</summary>
    public float[] PixelMedian { get; }

    /// <summary>Training images the baselines were fitted on.</summary>
    public int Images { get; }

    /// <summary>
    /// Fits both baselines. Each training map is brought to the grid with nearest sampling (depth is never
    /// interpolated across invalid pixels); a depth counts when it is valid and strictly inside <paramref name="range"/>.
    /// </summary>
    /// <param name="gridHeight">Grid height; memory is images × grid pixels floats (e.g. 120×160 for NYU's training split).</param>
    /// <exception cref="InvalidDataException">No training map has a valid pixel.</exception>
    public static DepthBaselines Fit(IEnumerable<SampleDepth> training, DepthRange range, int gridHeight, int gridWidth)
    {
        if (gridHeight < 1 || gridWidth < 1) throw new ArgumentException($"baseline grid {gridWidth}x{gridHeight} is empty.");
        int pixels = gridHeight * gridWidth;
        var columns = new List<float[]>(); // one grid per image, NaN where not valid
        foreach (var map in training)
        {
            var grid = new float[pixels];
            for (int y = 0; y < gridHeight; y++)
            {
                int sy = Math.Min(map.Height - 1, (int)((y + 0.5) * map.Height / gridHeight));
                for (int x = 0; x < gridWidth; x++)
                {
                    int sx = Math.Min(map.Width - 1, (int)((x + 0.5) * map.Width / gridWidth));
                    int s = sy * map.Width + sx;
                    float d = map.Metres[s];
                    grid[y * gridWidth + x] = map.Valid[s] && range.IsValid(d) ? d : float.NaN;
                }
            }
            columns.Add(grid);
        }
        var all = columns.SelectMany(c => c).Where(v => !float.IsNaN(v)).ToArray();
        if (all.Length == 0)
            throw new InvalidDataException($"no valid training depth among {columns.Count} maps: the baselines cannot be fitted.");
        float constant = Median(all);
        var medians = new float[pixels];
        var values = new float[columns.Count];
        for (int p = 0; p < pixels; p++)
        {
            int n = 0;
            foreach (var c in columns)
                if (!float.IsNaN(c[p])) values[n++] = c[p];
            medians[p] = n == 0 ? constant : Median(values.AsSpan(0, n).ToArray());
        }
        return new DepthBaselines(constant, gridHeight, gridWidth, medians, columns.Count);
    }

    /// <summary>Baselines fitted earlier (e.g. read back from a run's folder).</summary>
    public static DepthBaselines FromStored(float constant, int gridHeight, int gridWidth, float[] pixelMedian, int images)
    {
        if (pixelMedian.Length != gridHeight * gridWidth)
            throw new InvalidDataException($"stored per-pixel medians hold {pixelMedian.Length} values, not {gridHeight}x{gridWidth}.");
        return new DepthBaselines(constant, gridHeight, gridWidth, pixelMedian, images);
    }

    /// <summary>The constant baseline's prediction for an image of the given size.</summary>
    public DepthMap ConstantPrediction(int height, int width) =>
        new(height, width, Enumerable.Repeat(Constant, height * width).ToArray());

    /// <summary>The per-pixel median map bilinearly resized (align_corners=true) to the given size.</summary>
    public DepthMap PixelMedianPrediction(int height, int width)
    {
        var result = new float[height * width];
        for (int y = 0; y < height; y++)
        {
            double gy = height == 1 ? 0 : (double)y * (GridHeight - 1) / (height - 1);
            int y0 = (int)Math.Floor(gy), y1 = Math.Min(GridHeight - 1, y0 + 1);
            double fy = gy - y0;
            for (int x = 0; x < width; x++)
            {
                double gx = width == 1 ? 0 : (double)x * (GridWidth - 1) / (width - 1);
                int x0 = (int)Math.Floor(gx), x1 = Math.Min(GridWidth - 1, x0 + 1);
                double fx = gx - x0;
                double top = PixelMedian[y0 * GridWidth + x0] * (1 - fx) + PixelMedian[y0 * GridWidth + x1] * fx;
                double bottom = PixelMedian[y1 * GridWidth + x0] * (1 - fx) + PixelMedian[y1 * GridWidth + x1] * fx;
                result[y * width + x] = (float)(top * (1 - fy) + bottom * fy);
            }
        }
        return new DepthMap(height, width, result);
    }

    /// <summary>numpy's median: the middle value, or the mean of the two middle values.</summary>
    internal static float Median(float[] values)
    {
        Array.Sort(values);
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (float)((values[n / 2 - 1] + (double)values[n / 2]) / 2);
    }
}
