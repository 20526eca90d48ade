namespace PerceptionEncoder.Eval.Masks;

public sealed partial class Rle
{
    private const double PolygonScale = 5;

    /// <summary>
    /// Rasterises one polygon <c>[x0, y0, x1, y1, ...]</c> (pixel coordinates, pixel centres at integer + 0.5 as
    /// COCO draws them) as pycocotools <c>frPoly</c> does, exactly: vertices scaled by 5 and rounded with
    /// <c>(int)(v + 0.5)</c>, a DDA walk along every edge, the crossings of pixel-column centres, and even-odd filling
    /// down each column. An odd trailing coordinate is ignored.
    /// </summary>
    public static Rle FromPolygon(ReadOnlySpan<double> xy, int height, int width)
    {
        if (height < 0 || width < 0) throw new ArgumentException($"mask size [{height}, {width}] is negative.");
        int k = xy.Length / 2;
        if (k == 0) return Empty(height, width);

        // 1. Upsample and round the vertices; close the ring.
        var x = new int[k + 1];
        var y = new int[k + 1];
        for (int j = 0; j < k; j++)
        {
            x[j] = (int)(PolygonScale * xy[2 * j] + .5);
            y[j] = (int)(PolygonScale * xy[2 * j + 1] + .5);
        }
        x[k] = x[0];
        y[k] = y[0];

        // 2. Dense boundary points along every edge (both ends included), in the edge's own direction.
        long pointCount = 0;
        for (int j = 0; j < k; j++)
            pointCount += Math.Max(Math.Abs((long)x[j] - x[j + 1]), Math.Abs((long)y[j] - y[j + 1])) + 1;
        var u = new int[pointCount];
        var v = new int[pointCount];
        int m = 0;
        for (int j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip)
            {
                (xs, xe) = (xe, xs);
                (ys, ye) = (ye, ys);
            }
            if (dx >= dy)
            {
                // dx == dy == 0 (a repeated vertex) gives a NaN slope; that single point sits between two points of
                // the same column, so its row is never used below.
                double s = dx == 0 ? 0 : (double)(ye - ys) / dx;
                for (int d = 0; d <= dx; d++)
                {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = (int)(ys + s * t + .5);
                    m++;
                }
            }
            else
            {
                double s = (double)(xe - xs) / dy;
                for (int d = 0; d <= dy; d++)
                {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int)(xs + s * t + .5);
                    m++;
                }
            }
        }

        // 3. Keep the steps that cross a pixel-column centre; downsample to pixel coordinates.
        var boundaries = new uint[m + 1];
        int n = 0;
        for (int j = 1; j < m; j++)
        {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / PolygonScale - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > width - 1) continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / PolygonScale - .5;
            if (yd < 0) yd = 0;
            else if (yd > height) yd = height;
            yd = Math.Ceiling(yd);
            boundaries[n++] = unchecked((uint)((int)xd * height + (int)yd));
        }

        // 4. Column-major toggle positions -> run lengths; 5. collapse empty runs.
        boundaries[n++] = checked((uint)((long)height * width));
        Array.Sort(boundaries, 0, n);
        uint previous = 0;
        for (int j = 0; j < n; j++)
        {
            uint t = boundaries[j];
            boundaries[j] -= previous;
            previous = t;
        }
        var counts = new uint[n];
        int r = 0, i = 0;
        counts[r++] = boundaries[i++];
        while (i < n)
        {
            if (boundaries[i] > 0) counts[r++] = boundaries[i++];
            else
            {
                i++;
                if (i < n) counts[r - 1] += boundaries[i++];
            }
        }
        return Wrap(height, width, r == n ? counts : counts[..r]);
    }

    /// <summary>
    /// Rasterises a COCO polygon list (several parts of one object) as the union of the parts, as pycocotools
    /// <c>annToRLE</c> does (<c>frPyObjects</c> then <c>merge</c>). No parts gives an empty mask.
    /// </summary>
    public static Rle FromPolygons(IReadOnlyList<double[]> polygons, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        if (polygons.Count == 0) return Empty(height, width);
        var parts = new Rle[polygons.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = FromPolygon(polygons[i], height, width);
        return Merge(parts);
    }

    /// <summary>
    /// The mask of a box (pycocotools <c>frBbox</c>): the polygon <c>(x,y) (x,y+h) (x+w,y+h) (x+w,y)</c> rasterised by
    /// <see cref="FromPolygon"/>.
    /// </summary>
    public static Rle FromBbox(in BoxXywh box, int height, int width)
    {
        double xs = box.X, xe = xs + box.Width, ys = box.Y, ye = ys + box.Height;
        ReadOnlySpan<double> xy = [xs, ys, xs, ye, xe, ye, xe, ys];
        return FromPolygon(xy, height, width);
    }
}
