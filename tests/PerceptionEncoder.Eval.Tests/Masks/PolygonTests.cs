using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Tests.Masks;

public class PolygonTests
{
    private static Rle Rectangle(int h, int w, int x0, int y0, int width, int height)
    {
        var mask = new byte[h * w];
        for (int y = y0; y < y0 + height; y++)
            for (int x = x0; x < x0 + width; x++)
                mask[y * w + x] = 1;
        return Rle.Encode(mask, h, w);
    }

    [Theory]
    [InlineData(1, 1, 2, 2)]
    [InlineData(0, 0, 7, 3)]
    [InlineData(3, 2, 1, 1)]
    [InlineData(5, 0, 4, 9)]
    public void FromBbox_IntegerBox_CoversExactlyItsPixels(int x, int y, int width, int height)
    {
        // Hand-worked for [1, 1, 2, 2]: the scaled edges cross pixel-column centres at x = 1 and 2, toggling rows
        // 1 and 3 in each column, so pixels (1..2, 1..2) are filled.
        Assert.Equal(Rectangle(9, 10, x, y, width, height), Rle.FromBbox(new BoxXywh(x, y, width, height), 9, 10));
    }

    [Fact]
    public void FromPolygon_SquareAsPolygon_EqualsFromBbox()
    {
        ReadOnlySpan<double> square = [2, 1, 2, 5, 6, 5, 6, 1];
        Assert.Equal(Rle.FromBbox(new BoxXywh(2, 1, 4, 4), 8, 8), Rle.FromPolygon(square, 8, 8));
    }

    [Fact]
    public void FromPolygon_OrientationDoesNotMatter()
    {
        double[] ccw = [1.3, 2.2, 7.9, 3.1, 4.4, 8.6];
        double[] cw = [4.4, 8.6, 7.9, 3.1, 1.3, 2.2];
        Assert.Equal(Rle.FromPolygon(ccw, 10, 10), Rle.FromPolygon(cw, 10, 10));
    }

    [Fact]
    public void FromPolygon_BoxLeavingTheImage_IsClipped()
    {
        Assert.Equal(Rectangle(6, 6, 3, 0, 3, 6), Rle.FromBbox(new BoxXywh(3, -4, 10, 20), 6, 6));
    }

    [Fact]
    public void FromPolygon_LargeTriangle_AreaCloseToGeometricArea()
    {
        // Pixel-centre sampling of a triangle with 10,000 px area: the error is about the perimeter's order.
        double[] triangle = [10, 10, 210, 10, 10, 110];
        long area = Rle.FromPolygon(triangle, 200, 300).Area;
        Assert.InRange(area, 10000 - 300, 10000 + 300);
    }

    [Fact]
    public void FromPolygons_TwoParts_IsTheUnion()
    {
        double[] left = [0, 0, 0, 4, 3, 4, 3, 0];
        double[] right = [2, 0, 2, 4, 6, 4, 6, 0];
        var union = Rle.FromPolygons([left, right], 5, 8);
        Assert.Equal(Rectangle(5, 8, 0, 0, 6, 4), union);
    }

    [Fact]
    public void FromPolygon_RepeatedVertex_IsHarmless()
    {
        double[] withRepeat = [2, 1, 2, 5, 2, 5, 6, 5, 6, 1];
        Assert.Equal(Rle.FromBbox(new BoxXywh(2, 1, 4, 4), 8, 8), Rle.FromPolygon(withRepeat, 8, 8));
    }
}
