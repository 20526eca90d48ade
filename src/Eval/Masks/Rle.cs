namespace PerceptionEncoder.Eval.Masks;

/// <summary>
/// A binary mask of <see cref="Height"/> x <see cref="Width"/> pixels in COCO run-length encoding (pycocotools
/// <c>maskApi</c> semantics, byte-identical strings).
/// <para>
/// Layout: RLE is <b>column-major</b> by definition (runs go down the first column, then the next), and the runs
/// alternate 0s and 1s starting with a (possibly empty) run of 0s. Everywhere else the toolkit stores masks as
/// <b>row-major <c>[H, W]</c> byte arrays</b> (index <c>y * W + x</c>, 0 = background, 1 = foreground); the
/// <see cref="Encode(ReadOnlySpan{byte}, int, int)"/> and <see cref="Decode()"/> methods take and return that
/// row-major layout and do the transposition. <see cref="EncodeColumnMajor"/> takes a Fortran-order mask as
/// pycocotools' <c>encode</c> does.
/// </para>
/// Instances are immutable; the counts always sum to <c>Height * Width</c>.
/// </summary>
public sealed partial class Rle : IEquatable<Rle>
{
    private readonly uint[] _counts;

    /// <summary>Creates an RLE from its run lengths (copied).</summary>
    /// <exception cref="ArgumentException">Negative size, or counts that do not sum to <c>height * width</c>.</exception>
    public Rle(int height, int width, ReadOnlySpan<uint> counts)
        : this(height, width, counts.ToArray(), validate: true)
    {
    }

    private Rle(int height, int width, uint[] counts, bool validate)
    {
        if (validate)
        {
            if (height < 0 || width < 0)
                throw new ArgumentException($"RLE size [{height}, {width}] is negative.");
            ulong sum = 0;
            foreach (uint c in counts) sum += c;
            if (sum != (ulong)height * (ulong)width)
                throw new ArgumentException(
                    $"RLE counts sum to {sum} but the mask has {height} x {width} = {(long)height * width} pixels.");
        }
        Height = height;
        Width = width;
        _counts = counts;
        long area = 0;
        for (int j = 1; j < counts.Length; j += 2) area += counts[j];
        Area = area;
    }

    /// <summary>Wraps an array the caller no longer touches and whose sum is known to be right.</summary>
    internal static Rle Wrap(int height, int width, uint[] counts) => new(height, width, counts, validate: false);

    /// <summary>Mask height H (rows), as in the COCO <c>size</c> field <c>[h, w]</c>.</summary>
    public int Height { get; }

    /// <summary>Mask width W (columns).</summary>
    public int Width { get; }

    /// <summary>The run lengths, column-major, alternating 0-runs and 1-runs, starting with a 0-run.</summary>
    public ReadOnlySpan<uint> Counts => _counts;

    /// <summary>Number of foreground pixels (the sum of the odd-indexed runs; pycocotools <c>area</c>).</summary>
    public long Area { get; }

    /// <summary>An all-background mask.</summary>
    public static Rle Empty(int height, int width)
    {
        if (height < 0 || width < 0) throw new ArgumentException($"mask size [{height}, {width}] is negative.");
        return Wrap(height, width, [checked((uint)((long)height * width))]);
    }

    /// <summary>
    /// Encodes a row-major <c>[H, W]</c> mask (nonzero = foreground). Equal to pycocotools
    /// <c>encode(np.asfortranarray(mask))</c> for a 0/1 mask.
    /// </summary>
    public static Rle Encode(ReadOnlySpan<byte> mask, int height, int width)
    {
        CheckMaskLength(mask.Length, height, width);
        var counts = new List<uint>(16);
        bool previous = false;
        uint run = 0;
        for (int x = 0; x < width; x++)
            for (int y = 0, i = x; y < height; y++, i += width)
            {
                bool v = mask[i] != 0;
                if (v != previous)
                {
                    counts.Add(run);
                    run = 0;
                    previous = v;
                }
                run++;
            }
        counts.Add(run);
        return Wrap(height, width, [.. counts]);
    }

    /// <summary>Encodes a column-major (Fortran order) mask of H x W, nonzero = foreground.</summary>
    public static Rle EncodeColumnMajor(ReadOnlySpan<byte> mask, int height, int width)
    {
        CheckMaskLength(mask.Length, height, width);
        var counts = new List<uint>(16);
        bool previous = false;
        uint run = 0;
        foreach (byte b in mask)
        {
            bool v = b != 0;
            if (v != previous)
            {
                counts.Add(run);
                run = 0;
                previous = v;
            }
            run++;
        }
        counts.Add(run);
        return Wrap(height, width, [.. counts]);
    }

    /// <summary>Decodes to a new row-major <c>[H, W]</c> mask of 0/1 bytes.</summary>
    public byte[] Decode()
    {
        var mask = new byte[(long)Height * Width];
        DecodeInto(mask);
        return mask;
    }

    /// <summary>Writes the mask into a row-major <c>[H, W]</c> buffer: 1 at foreground pixels, 0 elsewhere.</summary>
    public void DecodeInto(Span<byte> mask)
    {
        CheckMaskLength(mask.Length, Height, Width);
        mask.Clear();
        long position = 0;
        int h = Height, w = Width;
        for (int j = 0; j < _counts.Length; j++)
        {
            long end = position + _counts[j];
            if ((j & 1) == 1)
                for (long p = position; p < end;)
                {
                    int x = (int)(p / h), y = (int)(p % h);
                    int run = (int)Math.Min(end - p, h - y);
                    for (int i = 0, k = y * w + x; i < run; i++, k += w) mask[k] = 1;
                    p += run;
                }
            position = end;
        }
    }

    /// <summary>
    /// The tight bounding box of the foreground as pycocotools 2.0.11 (<c>toBbox</c>, the corrected version of the
    /// ppwwyyxx fork that PyPI ships) computes it: integer pixel extents as <c>[x, y, w, h]</c>; all zeros for a mask
    /// without runs of 1s.
    /// </summary>
    public BoxXywh ToBbox()
    {
        uint h = (uint)Height, w = (uint)Width;
        int m = _counts.Length / 2 * 2;
        if (m == 0) return default;
        uint xs = w, ys = h, xe = 0, ye = 0, cc = 0;
        for (int j = 0; j < m; j++)
        {
            uint start = cc;
            cc += _counts[j];
            if ((j & 1) == 0 || _counts[j] == 0) continue;
            uint yStart = start % h, xStart = (start - yStart) / h;
            uint yEnd = (cc - 1) % h, xEnd = (cc - 1 - yEnd) / h;
            xs = Math.Min(xs, xStart);
            xe = Math.Max(xe, xEnd);
            if (xStart < xEnd)
            {
                ys = 0;
                ye = h - 1;
            }
            else
            {
                ys = Math.Min(ys, yStart);
                ye = Math.Max(ye, yEnd);
            }
        }
        // uint arithmetic as in the reference (a mask made only of empty 1-runs wraps around).
        return new BoxXywh(xs, ys, unchecked(xe - xs + 1), unchecked(ye - ys + 1));
    }

    public bool Equals(Rle? other) =>
        other is not null && Height == other.Height && Width == other.Width && _counts.AsSpan().SequenceEqual(other._counts);

    public override bool Equals(object? obj) => Equals(obj as Rle);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Height);
        hash.Add(Width);
        foreach (uint c in _counts) hash.Add(c);
        return hash.ToHashCode();
    }

    /// <summary>The size and the compressed string, e.g. <c>RLE [480, 640] "Xk`0..."</c>.</summary>
    public override string ToString() => $"RLE [{Height}, {Width}] \"{ToCompressedString()}\"";

    private static void CheckMaskLength(long length, int height, int width)
    {
        if (height < 0 || width < 0) throw new ArgumentException($"mask size [{height}, {width}] is negative.");
        if (length != (long)height * width)
            throw new ArgumentException($"mask buffer holds {length} values but [{height}, {width}] needs {(long)height * width}.");
    }
}
