using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Backbone;

internal static class TensorAssert
{
    /// <summary>The fixtures' strict float32 tolerance: |actual - expected| &lt;= atol + rtol * |expected| everywhere.</summary>
    public const double StrictAtol = 2e-5, StrictRtol = 1e-5;

    /// <summary>Asserts equal shapes and elementwise closeness; the failure names the tensor and the worst element.</summary>
    public static void Close(Tensor expected, Tensor actual, string name, double atol = StrictAtol, double rtol = StrictRtol)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{name}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        using var scope = NewDisposeScope();
        var e = expected.to(ScalarType.Float64);
        var a = actual.to(ScalarType.Float64);
        var excess = (a - e).abs() - (atol + rtol * e.abs());
        double worst = excess.max().item<double>();
        double maxAbs = (a - e).abs().max().item<double>();
        Assert.True(worst <= 0, $"{name}: max |diff| {maxAbs:E3} exceeds atol {atol:E1} + rtol {rtol:E1} * |expected|");
    }

    /// <summary>Same shape, dtype and every element bit-equal.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var scope = NewDisposeScope();
        return a.eq(b).all().item<bool>();
    }

    /// <summary>Largest absolute difference.</summary>
    public static double MaxAbsDiff(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        return (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
    }
}
