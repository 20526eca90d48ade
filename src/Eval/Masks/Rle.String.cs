using System.Text;

namespace PerceptionEncoder.Eval.Masks;

public sealed partial class Rle
{
    /// <summary>
    /// The compressed COCO string form of the counts (pycocotools <c>rleToString</c>, byte-identical): each count
    /// (from the fourth on, as the difference to the count two places back) is written as 5-bit little-endian groups,
    /// one ASCII character (<c>'0'</c> + group) each, with bit 0x20 marking that more groups follow.
    /// </summary>
    public string ToCompressedString()
    {
        var text = new StringBuilder(_counts.Length * 2);
        for (int i = 0; i < _counts.Length; i++)
        {
            long x = _counts[i];
            if (i > 2) x -= _counts[i - 2];
            bool more = true;
            while (more)
            {
                int c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                text.Append((char)(c + 48));
            }
        }
        return text.ToString();
    }

    /// <summary>Parses the compressed COCO string form (pycocotools <c>rleFrString</c>).</summary>
    /// <exception cref="ArgumentException">Characters outside '0'..'o', a truncated value, or counts that do not
    /// sum to <c>height * width</c>.</exception>
    public static Rle FromCompressedString(string counts, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var values = new List<uint>(counts.Length);
        int p = 0;
        while (p < counts.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= counts.Length)
                    throw new ArgumentException($"compressed RLE string ends inside a value (at character {p}).");
                int c = counts[p] - 48;
                if (c is < 0 or > 63)
                    throw new ArgumentException($"compressed RLE string has an invalid character '{counts[p]}' at position {p}.");
                if (k > 12) throw new ArgumentException($"compressed RLE string has a value too long at position {p}.");
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (values.Count > 2) x += values[^2];
            if (x is < 0 or > uint.MaxValue)
                throw new ArgumentException($"compressed RLE string decodes to an invalid count {x} (value {values.Count}).");
            values.Add((uint)x);
        }
        return new Rle(height, width, values.ToArray(), validate: true);
    }
}
