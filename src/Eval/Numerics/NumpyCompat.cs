using System.Globalization;
using System.Numerics;

namespace PerceptionEncoder.Eval.Numerics;

/// <summary>
/// The few numpy/Python numerics the reference evaluators depend on to the last bit: <c>linspace</c>, the
/// pairwise summation behind <c>np.sum</c>/<c>np.mean</c> of float64 arrays, and Python's <c>'%.Nf'</c> rounding.
/// </summary>
public static class NumpyCompat
{
    /// <summary>
    /// <c>np.linspace(start, stop, num)</c> (endpoint included) bit for bit: <c>v[i] = i * step + start</c> with
    /// <c>step = (stop - start) / (num - 1)</c>, and the last value forced to <paramref name="stop"/>. So
    /// <c>Linspace(0.5, 0.95, 10)[8]</c> is 0.8999999999999999, not 0.9.
    /// </summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var values = new double[num];
        if (num == 0) return values;
        if (num == 1)
        {
            values[0] = start;
            return values;
        }
        int div = num - 1;
        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < num; i++)
            values[i] = step == 0 ? i / (double)div * delta + start : i * step + start;
        values[^1] = stop;
        return values;
    }

    /// <summary>numpy's pairwise summation of a contiguous float64 array (what <c>np.sum</c> and <c>np.mean</c> do).</summary>
    public static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0;
            for (int i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - n % 8; i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }

    /// <summary><c>np.mean</c> of a float64 array: pairwise sum divided by the count (NaN for an empty array).</summary>
    public static double Mean(ReadOnlySpan<double> a) => a.Length == 0 ? double.NaN : PairwiseSum(a) / a.Length;

    /// <summary><c>np.nanmean</c>: NaNs are left out of both the sum and the count.</summary>
    public static double NanMean(ReadOnlySpan<double> a)
    {
        var values = new double[a.Length];
        int count = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool nan = double.IsNaN(a[i]);
            values[i] = nan ? 0 : a[i];
            if (!nan) count++;
        }
        return PairwiseSum(values) / count;
    }

    /// <summary>
    /// Python's <c>'%.{decimals}f' % value</c>: the exact binary value rounded half-to-even (so 0.0625 gives "0.062"
    /// with 3 decimals) and a "-" kept for negative values that round to zero. "nan", "inf" as Python writes them.
    /// </summary>
    public static string FormatFixed(double value, int decimals)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        bool negative = double.IsNegative(value);
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        int exponent = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa = exponent == 0 ? fraction : fraction | (1L << 52);
        int shift = (exponent == 0 ? 1 : exponent) - 1075; // value = mantissa * 2^shift
        BigInteger scale = BigInteger.Pow(10, decimals);
        BigInteger numerator = mantissa * scale, denominator = BigInteger.One;
        if (shift >= 0) numerator <<= shift;
        else denominator <<= -shift;
        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        int cmp = (remainder * 2).CompareTo(denominator);
        if (cmp > 0 || (cmp == 0 && !quotient.IsEven)) quotient += 1;
        string digits = quotient.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        string text = decimals == 0 ? digits : digits[..^decimals] + "." + digits[^decimals..];
        return negative ? "-" + text : text;
    }
}
