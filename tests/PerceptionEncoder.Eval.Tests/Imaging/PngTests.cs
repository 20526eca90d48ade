using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Imaging;

public sealed class PngTests
{
    [SharedFact]
    public void ReadIndexed_PilWrittenPaletteMask_GivesTheRawIndices()
    {
        var image = Png.ReadIndexed(SharedData.Path("fixtures", "labelprop", "first_mask.png"));
        byte[] expected = File.ReadAllBytes(SharedData.Path("fixtures", "labelprop", "first_mask.u8.bin"));

        Assert.Equal((270, 192), (image.Width, image.Height));
        Assert.Equal(expected, image.Pixels);
    }

    [SharedFact]
    public void Davis_Palette_IsThePaletteOfOfficialDavisResults()
    {
        string path = SharedData.Path("datasets-real", "davis", "results", "semi-supervised", "osvos", "judo", "00005.png");
        Assert.Equal(Palettes.Davis, Png.ReadIndexed(path).Palette);
    }

    [Fact]
    public void Davis_Palette_IsTheVocColourMap()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0, 0, 0, 128 }, Palettes.Davis[..15]);
        Assert.Equal(new byte[] { 224, 224, 192 }, Palettes.Davis[(255 * 3)..]); // VOC's last colour (the void index)
    }

    [SharedFact]
    public void ReadGray16_RealNyuDepth_MatchesTheDocumentedRanges()
    {
        // SOURCES.md: sync_depth_00000.png has valid depths 1.39-6.63 m and 67-75 % valid pixels.
        var depth = Png.ReadGray16(SharedData.Path("datasets-real", "nyu", "depth", "sync_depth_00000.png"));
        var valid = depth.Pixels.Where(v => v > 0).ToArray();
        Assert.Equal((640, 480), (depth.Width, depth.Height));
        Assert.InRange(valid.Length / (double)depth.Pixels.Length, 0.67, 0.75);
        Assert.InRange(valid.Min() / 1000.0, 1.38, 1.40);
        Assert.InRange(valid.Max() / 1000.0, 6.62, 6.64);
    }

    [Fact]
    public void WriteIndexedThenRead_RoundTripsEveryIndexAndSize()
    {
        using var dir = new TempDirectory();
        var random = new Random(4);
        foreach (var (w, h) in new[] { (1, 1), (17, 5), (854, 480) })
        {
            var pixels = new byte[w * h];
            random.NextBytes(pixels);
            Png.WriteIndexed(dir.File("m.png"), new IndexedImage(w, h, pixels));
            var back = Png.ReadIndexed(dir.File("m.png"));
            Assert.Equal((w, h), (back.Width, back.Height));
            Assert.Equal(pixels, back.Pixels);
            Assert.Equal(Palettes.Davis, back.Palette);
        }
    }

    [Fact]
    public void WriteGray16ThenRead_RoundTripsEveryValue()
    {
        using var dir = new TempDirectory();
        var random = new Random(5);
        var pixels = Enumerable.Range(0, 33 * 21).Select(_ => (ushort)random.Next(0, 65536)).ToArray();
        Png.WriteGray16(dir.File("d.png"), new Gray16Image(33, 21, pixels));
        var back = Png.ReadGray16(dir.File("d.png"));
        Assert.Equal(pixels, back.Pixels);
    }

    [SharedFact]
    public void ReadIndexed_RgbPng_IsRefusedNamingTheFile()
    {
        string path = SharedData.Path("datasets-real", "coco", "images", "000000039769.png");
        var e = Assert.Throws<InvalidDataException>(() => Png.ReadIndexed(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("RGB", e.Message);
    }

    [Fact]
    public void ReadIndexed_TruncatedOrForeignFile_IsRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        var pixels = new byte[64 * 64];
        new Random(1).NextBytes(pixels);
        Png.WriteIndexed(dir.File("full.png"), new IndexedImage(64, 64, pixels));
        byte[] bytes = File.ReadAllBytes(dir.File("full.png"));
        File.WriteAllBytes(dir.File("cut.png"), bytes[..(bytes.Length / 2)]);
        File.WriteAllText(dir.File("text.png"), "not an image");

        foreach (string name in new[] { "cut.png", "text.png" })
        {
            var e = Assert.Throws<InvalidDataException>(() => Png.ReadIndexed(dir.File(name)));
            Assert.Contains(dir.File(name), e.Message);
        }
    }

    [Fact]
    public void Npy_WriteThenRead_RoundTripsWithAnAlignedHeader()
    {
        using var dir = new TempDirectory();
        float[] data = [1.5f, -2f, float.NaN, 1e-3f, 10f, 0f];
        Npy.WriteFloat32(dir.File("a.npy"), data, 2, 3);
        var (back, shape) = Npy.ReadFloat32(dir.File("a.npy"));
        Assert.Equal([2, 3], shape);
        Assert.Equal(data, back);
        byte[] bytes = File.ReadAllBytes(dir.File("a.npy"));
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64); // numpy aligns the data to 64 bytes
        Assert.Equal((byte)'\n', bytes[10 + headerLength - 1]);
    }

    [Fact]
    public void AtomicFile_WriterFailsHalfway_KeepsTheOldContent()
    {
        using var dir = new TempDirectory();
        string path = dir.File("out.txt");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new half"u8);
            throw new IOException("disk full");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}
