using PerceptionEncoder.Heads.Detection.Pyramid;
using static TorchSharp.torch;

namespace PerceptionEncoder.Heads.Detection.Fcos;

/// <summary>
/// The locations FCOS predicts at: the centre of every cell of every pyramid level, in (level, y, x) order, with
/// the level's stride and the range of object sizes it is responsible for. A cell (i, j) of a level of stride s sits
/// at ((j + 0.5) s, (i + 0.5) s) pixels.
/// </summary>
public sealed class FcosLocations : IDisposable
{
    /// <summary>A level of stride s handles boxes whose largest side distance from the location lies in [4s, 8s] (FCOS).</summary>
    public const double RangeLow = 4, RangeHigh = 8;

    /// <param name="levels">The pyramid levels, finest first.</param>
    /// <param name="sizes">Per level its map size (h, w).</param>
    /// <param name="device">Where the tensors live (default: the CPU).</param>
    public FcosLocations(IReadOnlyList<PyramidLevel> levels, IReadOnlyList<(long Height, long Width)> sizes, Device? device = null)
    {
        if (levels.Count != sizes.Count) throw new ArgumentException("one map size per pyramid level is required.");
        using var scope = NewDisposeScope();
        var points = new List<Tensor>();
        var strides = new List<Tensor>();
        var ranges = new List<Tensor>();
        var levelIndex = new List<Tensor>();
        var counts = new int[levels.Count];
        for (int l = 0; l < levels.Count; l++)
        {
            double s = levels[l].Stride;
            var (h, w) = sizes[l];
            var ys = (arange(h, dtype: ScalarType.Float32) + 0.5) * s;
            var xs = (arange(w, dtype: ScalarType.Float32) + 0.5) * s;
            var grid = meshgrid([ys, xs], indexing: "ij");                               // 2 x [h, w]
            points.Add(stack([grid[1].flatten(), grid[0].flatten()], 1));                 // [h*w, 2] as (x, y)
            int n = (int)(h * w);
            counts[l] = n;
            strides.Add(full(n, s, dtype: ScalarType.Float32));
            double low = l == 0 ? 0 : RangeLow * s;
            double high = l == levels.Count - 1 ? double.PositiveInfinity : RangeHigh * s;
            ranges.Add(tensor(new[] { (float)low, (float)high }).expand(n, 2));
            levelIndex.Add(full(n, l, dtype: ScalarType.Int64));
        }
        device ??= CPU;
        Points = cat(points, 0).to(device).MoveToOuterDisposeScope();
        Strides = cat(strides, 0).to(device).MoveToOuterDisposeScope();
        SizeRanges = cat(ranges, 0).to(device).MoveToOuterDisposeScope();
        LevelIndex = cat(levelIndex, 0).to(device).MoveToOuterDisposeScope();
        CountPerLevel = counts;
    }

    /// <summary>[N, 2] location centres (x, y) in pixels.</summary>
    public Tensor Points { get; }

    /// <summary>[N] the stride of each location's level.</summary>
    public Tensor Strides { get; }

    /// <summary>[N, 2] (low, high) bounds on max(l, t, r, b) for a box to be assigned at the location.</summary>
    public Tensor SizeRanges { get; }

    /// <summary>[N] the level (0-based position in the pyramid) of each location.</summary>
    public Tensor LevelIndex { get; }

    /// <summary>Locations per level, summing to N.</summary>
    public IReadOnlyList<int> CountPerLevel { get; }

    public long Count => Points.shape[0];

    public void Dispose()
    {
        Points.Dispose();
        Strides.Dispose();
        SizeRanges.Dispose();
        LevelIndex.Dispose();
    }
}
