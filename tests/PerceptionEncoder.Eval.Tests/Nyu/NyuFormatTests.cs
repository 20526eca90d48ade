using PerceptionEncoder.Eval.Formats.Nyu;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Nyu;

public class NyuFormatTests
{
    [SharedFact]
    public void Read_RealUint16Png_IsMillimetresOver1000InFloat32()
    {
        string path = SharedData.Path("datasets-real", "nyu", "depth", "sync_depth_00000.png");
        var depth = DepthMap.Read(path);
        var raw = Png.ReadGray16(path);
        Assert.Equal(480, depth.Height);
        Assert.Equal(640, depth.Width);
        for (int i = 0; i < raw.Pixels.Length; i += 97)
            Assert.Equal((float)raw.Pixels[i] / 1000f, depth.Metres[i]);
        // SOURCES.md: valid depths 1.39-6.63 m for this frame, border 0
        float max = depth.Metres.Max();
        float minValid = depth.Metres.Where(v => v > 0).Min();
        Assert.InRange(max, 6.6f, 6.7f);
        Assert.InRange(minValid, 1.3f, 1.4f);
        Assert.Equal(0f, depth[0, 0]);
    }

    [Fact]
    public void WriteNpyThenRead_RoundTrips()
    {
        using var temp = new TempDirectory();
        var depth = new DepthMap(2, 3, [0, 1.5f, 2.25f, 10.5f, 0.001f, float.NaN]);
        depth.WriteNpy(temp.File("d.npy"));
        var again = DepthMap.Read(temp.File("d.npy"));
        Assert.Equal(2, again.Height);
        Assert.Equal(3, again.Width);
        Assert.Equal(depth.Metres, again.Metres);
    }

    [Fact]
    public void WritePngThenRead_IsMillimetrePrecise()
    {
        using var temp = new TempDirectory();
        new DepthMap(1, 4, [0, 1.2344f, 2.5f, 70f]).WritePng(temp.File("d.png"));
        var again = DepthMap.Read(temp.File("d.png"));
        Assert.Equal(new[] { 0f, 1.234f, 2.5f, 65.535f }, again.Metres);
    }

    [Fact]
    public void Read_UnknownExtension_Fails()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("d.txt"), "1");
        var e = Assert.Throws<InvalidDataException>(() => DepthMap.Read(temp.File("d.txt")));
        Assert.Contains("d.txt", e.Message);
    }

    [SharedFact]
    public void BtsSplit_RealTestList_Has654EntriesWithFocal()
    {
        var entries = BtsSplit.Load(SharedData.Path("datasets-real", "nyu", "nyudepthv2_test_files_with_gt.txt"));
        Assert.Equal(654, entries.Count);
        Assert.All(entries, e => Assert.Equal(518.8579, e.Focal));
        Assert.All(entries, e => Assert.StartsWith(Path.GetDirectoryName(e.RgbPath)!, e.DepthPath));
        Assert.EndsWith(".jpg", entries[0].RgbPath);
        Assert.EndsWith(".png", entries[0].DepthPath);
    }

    [Fact]
    public void BtsSplit_MalformedLine_NamesTheLine()
    {
        var e = Assert.Throws<InvalidDataException>(() => BtsSplit.Parse(["a.jpg b.png 518.8", "c.jpg d.png"], "list.txt"));
        Assert.Contains("list.txt: line 2", e.Message);
    }
}
