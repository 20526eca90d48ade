using PerceptionEncoder.Eval.Masks;

namespace PerceptionEncoder.Eval.Tests.Masks;

public class RleTests
{
    // A 3x4 mask (row-major):
    //   0 1 0 0
    //   1 1 0 1
    //   0 1 0 1
    // Column-major scan: col0 = 0,1,0  col1 = 1,1,1  col2 = 0,0,0  col3 = 0,1,1
    // Runs: 0:1, 1:1, 0:1, 1:3, 0:4, 1:2 -> [1, 1, 1, 3, 4, 2]
    private static readonly byte[] Small = [0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1];

    [Fact]
    public void Encode_RowMajorMask_GivesColumnMajorRuns()
    {
        var rle = Rle.Encode(Small, 3, 4);
        Assert.Equal(new uint[] { 1, 1, 1, 3, 4, 2 }, rle.Counts.ToArray());
        Assert.Equal(6, rle.Area);
    }

    [Fact]
    public void Encode_ColumnMajorInput_EqualsRowMajorEncodingOfTheTranspose()
    {
        byte[] columnMajor = [0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1];
        Assert.Equal(Rle.Encode(Small, 3, 4), Rle.EncodeColumnMajor(columnMajor, 3, 4));
    }

    [Fact]
    public void Encode_MaskStartingWithForeground_StartsWithEmptyZeroRun()
    {
        var rle = Rle.Encode([1, 1, 0, 0], 2, 2);
        Assert.Equal(new uint[] { 0, 1, 1, 1, 1 }, rle.Counts.ToArray());
    }

    [Fact]
    public void Decode_ReturnsTheEncodedRowMajorMask()
    {
        Assert.Equal(Small, Rle.Encode(Small, 3, 4).Decode());
    }

    [Fact]
    public void DecodeEncode_RandomMasks_RoundTrip()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            int h = random.Next(1, 40), w = random.Next(1, 40);
            var mask = new byte[h * w];
            for (int i = 0; i < mask.Length; i++) mask[i] = (byte)(random.NextDouble() < 0.3 ? 1 : 0);
            var rle = Rle.Encode(mask, h, w);
            Assert.Equal(mask, rle.Decode());
            Assert.Equal(mask.Count(v => v != 0), rle.Area);
        }
    }

    [Fact]
    public void Constructor_CountsNotSummingToTheSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Rle(2, 2, [1, 2]));
    }

    [Fact]
    public void ToCompressedString_HandWorkedCounts_MatchesTheCocoEncoding()
    {
        // counts [5, 3, 100, 2]: '5', '3', 100 = 4 + 3*32 -> (4|0x20)+48 = 'T', 3+48 = '3';
        // the 4th value is written as 2 - 3 = -1 -> one group 31 (sign bit 0x10 set) -> 'O'.
        var rle = new Rle(11, 10, [5, 3, 100, 2]);
        Assert.Equal("53T3O", rle.ToCompressedString());
        Assert.Equal(rle, Rle.FromCompressedString("53T3O", 11, 10));
    }

    [Fact]
    public void FromCompressedString_InvalidCharacter_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Rle.FromCompressedString("53 3O", 11, 10));
        Assert.Contains("position 2", e.Message);
    }

    [Fact]
    public void ToBbox_MatchesTheBoundsOfTheDecodedMask()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 200; trial++)
        {
            int h = random.Next(1, 30), w = random.Next(1, 30);
            var mask = new byte[h * w];
            int x0 = random.Next(w), y0 = random.Next(h), x1 = random.Next(x0, w), y1 = random.Next(y0, h);
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                    if (random.NextDouble() < 0.5) mask[y * w + x] = 1;
            int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (mask[y * w + x] != 0)
                    {
                        minX = Math.Min(minX, x); maxX = Math.Max(maxX, x);
                        minY = Math.Min(minY, y); maxY = Math.Max(maxY, y);
                    }
            var box = Rle.Encode(mask, h, w).ToBbox();
            var expected = maxX < 0 ? default : new BoxXywh(minX, minY, maxX - minX + 1, maxY - minY + 1);
            Assert.Equal(expected, box);
        }
    }

    [Fact]
    public void Merge_MatchesPixelwiseUnionAndIntersection()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            int h = random.Next(1, 25), w = random.Next(1, 25);
            var masks = new byte[3][];
            for (int m = 0; m < 3; m++)
            {
                masks[m] = new byte[h * w];
                for (int i = 0; i < h * w; i++) masks[m][i] = (byte)(random.NextDouble() < 0.4 ? 1 : 0);
            }
            var rles = masks.Select(m => Rle.Encode(m, h, w)).ToArray();
            var union = new byte[h * w];
            var inter = new byte[h * w];
            for (int i = 0; i < h * w; i++)
            {
                union[i] = (byte)(masks[0][i] | masks[1][i] | masks[2][i]);
                inter[i] = (byte)(masks[0][i] & masks[1][i] & masks[2][i]);
            }
            Assert.Equal(Rle.Encode(union, h, w), Rle.Merge(rles));
            Assert.Equal(Rle.Encode(inter, h, w), Rle.Merge(rles, intersect: true));
        }
    }

    [Fact]
    public void Merge_DifferentSizes_Throws()
    {
        Assert.Throws<ArgumentException>(() => Rle.Union(Rle.Empty(2, 3), Rle.Empty(3, 2)));
    }

    [Fact]
    public void Iou_MatchesPixelCounts_WithTheCrowdRule()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 100; trial++)
        {
            int h = random.Next(1, 20), w = random.Next(1, 20);
            var a = new byte[h * w];
            var b = new byte[h * w];
            for (int i = 0; i < h * w; i++)
            {
                a[i] = (byte)(random.NextDouble() < 0.4 ? 1 : 0);
                b[i] = (byte)(random.NextDouble() < 0.4 ? 1 : 0);
            }
            int inter = 0, union = 0, areaA = 0;
            for (int i = 0; i < h * w; i++)
            {
                inter += a[i] & b[i];
                union += a[i] | b[i];
                areaA += a[i];
            }
            var ra = Rle.Encode(a, h, w);
            var rb = Rle.Encode(b, h, w);
            Assert.Equal(inter == 0 ? 0 : (double)inter / union, Rle.Iou(ra, rb, groundTruthIsCrowd: false));
            Assert.Equal(inter == 0 ? 0 : (double)inter / areaA, Rle.Iou(ra, rb, groundTruthIsCrowd: true));
            Assert.Equal(inter, Rle.IntersectionArea(ra, rb));
        }
    }

    [Fact]
    public void IouMatrix_IsDetectionByGroundTruth()
    {
        var full = Rle.Encode([1, 1, 1, 1], 2, 2);
        var half = Rle.Encode([1, 0, 1, 0], 2, 2);
        var iou = Rle.Iou([full, half], [half], [false]);
        Assert.Equal(2, iou.GetLength(0));
        Assert.Equal(1, iou.GetLength(1));
        Assert.Equal(0.5, iou[0, 0]);
        Assert.Equal(1.0, iou[1, 0]);
    }
}
