namespace PerceptionEncoder.Eval.Masks;

public sealed partial class Rle
{
    /// <summary>
    /// The union (or, with <paramref name="intersect"/>, the intersection) of masks of one size, as pycocotools
    /// <c>merge</c> computes it (a single mask is returned as it is).
    /// </summary>
    /// <exception cref="ArgumentException">No masks, or masks of different sizes.</exception>
    public static Rle Merge(IReadOnlyList<Rle> masks, bool intersect = false)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0) throw new ArgumentException("merge needs at least one mask.");
        Rle first = masks[0];
        if (masks.Count == 1) return first;
        int h = first.Height, w = first.Width;
        uint[] current = first._counts;
        var output = new List<uint>(current.Length * 2);
        for (int i = 1; i < masks.Count; i++)
        {
            Rle b = masks[i];
            if (b.Height != h || b.Width != w)
                throw new ArgumentException($"cannot merge masks of different sizes: [{h}, {w}] and [{b.Height}, {b.Width}] (mask {i}).");
            output.Clear();
            MergeTwo(current, b._counts, intersect, output);
            current = [.. output];
        }
        return Wrap(h, w, current);
    }

    /// <summary>The union of two masks of one size.</summary>
    public static Rle Union(Rle a, Rle b) => Merge([a, b]);

    /// <summary>The intersection of two masks of one size.</summary>
    public static Rle Intersection(Rle a, Rle b) => Merge([a, b], intersect: true);

    private static void MergeTwo(uint[] a, uint[] b, bool intersect, List<uint> output)
    {
        uint ca = a.Length > 0 ? a[0] : 0, cb = b.Length > 0 ? b[0] : 0, cc = 0, ct = 1;
        bool v = false, va = false, vb = false;
        int ia = 1, ib = 1;
        while (ct > 0)
        {
            uint c = Math.Min(ca, cb);
            cc += c;
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < a.Length)
            {
                ca = a[ia++];
                va = !va;
            }
            ct += ca;
            cb -= c;
            if (cb == 0 && ib < b.Length)
            {
                cb = b[ib++];
                vb = !vb;
            }
            ct += cb;
            bool vp = v;
            v = intersect ? va && vb : va || vb;
            if (v != vp || ct == 0)
            {
                output.Add(cc);
                cc = 0;
            }
        }
    }
}
