using PerceptionEncoder.Eval.Davis;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Davis;

public class DavisBadInputTests
{
    /// <summary>A 1-sequence DAVIS root of 4 frames 16x12 with 2 objects, and results equal to the GT.</summary>
    private static (string Root, string Results) Layout(TempDirectory temp, int frames = 4)
    {
        string root = temp.File("DAVIS"), results = temp.File("results");
        Directory.CreateDirectory(Path.Combine(root, "JPEGImages", "480p", "s"));
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        File.WriteAllText(Path.Combine(root, "ImageSets", "2017", "val.txt"), "s\n");
        for (int f = 0; f < frames; f++)
        {
            var labels = new byte[16 * 12];
            for (int x = 2; x < 6; x++) labels[3 * 16 + x] = 1;
            for (int x = 8; x < 12 + f % 2; x++) labels[7 * 16 + x] = 2;
            string id = $"{f:D5}";
            File.WriteAllBytes(Path.Combine(root, "JPEGImages", "480p", "s", id + ".jpg"), [0xFF, 0xD8, 0xFF, 0xD9]);
            Png.WriteIndexed(Path.Combine(root, "Annotations", "480p", "s", id + ".png"), new IndexedImage(16, 12, labels));
            Png.WriteIndexed(Path.Combine(results, "s", id + ".png"), new IndexedImage(16, 12, labels));
        }
        return (root, results);
    }

    [Fact]
    public void Evaluate_ResultsEqualToGt_ArePerfect()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp);
        var r = DavisEvaluator.Evaluate(root, results);
        Assert.Equal(2, r.Objects.Count);
        Assert.Equal(1.0, r.JAndFMean);
    }

    [Fact]
    public void Evaluate_MissingResultFrame_NamesTheFile()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp);
        File.Delete(Path.Combine(results, "s", "00002.png"));
        var e = Assert.Throws<FileNotFoundException>(() => DavisEvaluator.Evaluate(root, results));
        Assert.Contains(Path.Combine(results, "s", "00002.png"), e.Message);
    }

    [Fact]
    public void Evaluate_MissingFirstOrLastResultFrame_IsFine()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp);
        File.Delete(Path.Combine(results, "s", "00000.png"));
        File.Delete(Path.Combine(results, "s", "00003.png"));
        Assert.Equal(1.0, DavisEvaluator.Evaluate(root, results).JMean);
    }

    [Fact]
    public void Evaluate_MoreObjectsInResultsThanGt_IsAnErrorNamingTheFile()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp);
        var labels = new byte[16 * 12];
        labels[0] = 3;
        Png.WriteIndexed(Path.Combine(results, "s", "00001.png"), new IndexedImage(16, 12, labels));
        var e = Assert.Throws<InvalidDataException>(() => DavisEvaluator.Evaluate(root, results));
        Assert.Contains("00001.png", e.Message);
        Assert.Contains("object id 3", e.Message);
        Assert.Contains("2 object(s)", e.Message);
    }

    [Fact]
    public void Evaluate_RgbResult_IsAnErrorNamingTheFile()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp);
        string path = Path.Combine(results, "s", "00002.png");
        ImageFile.WriteRgb(path, new RgbImage(16, 12, new byte[16 * 12 * 3]));
        var e = Assert.Throws<InvalidDataException>(() => DavisEvaluator.Evaluate(root, results));
        Assert.Contains(path, e.Message);
        Assert.Contains("RGB", e.Message);
    }

    [Fact]
    public void Evaluate_ResultOfAnotherSize_IsAnErrorNamingBothFiles()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp);
        Png.WriteIndexed(Path.Combine(results, "s", "00001.png"), new IndexedImage(8, 6, new byte[48]));
        var e = Assert.Throws<InvalidDataException>(() => DavisEvaluator.Evaluate(root, results));
        Assert.Contains(Path.Combine(results, "s", "00001.png"), e.Message);
        Assert.Contains("8x6", e.Message);
        Assert.Contains("16x12", e.Message);
    }

    [Fact]
    public void Evaluate_TooFewAnnotatedFrames_IsAnError()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp, frames: 2);
        var e = Assert.Throws<InvalidDataException>(() => DavisEvaluator.Evaluate(root, results));
        Assert.Contains("at least 3", e.Message);
    }

    [Fact]
    public void Evaluate_VoidInGroundTruth_CountsAsBackground()
    {
        using var temp = new TempDirectory();
        var (root, results) = Layout(temp);
        // Void over object 1's pixels in frame 1 of the GT: object 1 is absent there, so the (unchanged) result's
        // object 1 is a false positive: J = 0 for that frame.
        string path = Path.Combine(root, "Annotations", "480p", "s", "00001.png");
        var gt = Png.ReadIndexed(path);
        var labels = gt.Pixels.Select(v => v == 1 ? (byte)255 : v).ToArray();
        Png.WriteIndexed(path, gt with { Pixels = labels });
        var r = DavisEvaluator.Evaluate(root, results);
        Assert.Equal(0, r.Objects[0].J[0]);
        Assert.Equal(1, r.Objects[0].J[1]);
    }
}
