using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using PerceptionEncoder.Tests.Cli;
using Fx = PerceptionEncoder.Tests.Tracking.LabelPropFixture;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary><c>pe track --features</c> end to end: fixture parity, the DAVIS layout, and bad input.</summary>
public class TrackCommandTests
{
    [SharedTheory]
    [MemberData(nameof(Fx.SettingNames), MemberType = typeof(Fx))]
    public void Track_FixtureFeatureFiles_WritesOfficialLabels(string name)
    {
        var setting = Fx.Load(name);
        using var temp = new TempDirectory();
        string features = WriteFixtureFeatures(temp.File("video"));
        string output = temp.File("results");
        var (code, _, error) = Run("track", "--features", features, "--first-mask", Fx.Dir("first_mask.png"), "--out", output,
            "--topk", $"{setting.Options.TopK}", "--context", $"{setting.Options.ContextFrames}",
            "--radius", $"{setting.Options.Radius}", "--temperature", "0.1", "--patch", "16");
        Assert.True(code == 0, error);

        // The sequence is named after the features folder; frame 0 is the annotation unchanged.
        Assert.Equal(Png.ReadIndexed(Fx.Dir("first_mask.png")).Pixels, Png.ReadIndexed(Path.Combine(output, "video", "00000.png")).Pixels);
        int orig = Fx.OriginalHeight * Fx.OriginalWidth;
        for (int t = 1; t < Fx.Frames; t++)
        {
            var written = Png.ReadIndexed(Path.Combine(output, "video", $"{t:D5}.png"));
            Assert.Equal((Fx.OriginalWidth, Fx.OriginalHeight), (written.Width, written.Height));
            Assert.Equal(Palettes.Davis, written.Palette);
            Fx.AssertLabelsMatch(setting.Original.AsSpan((t - 1) * orig, orig), written.Pixels, Fx.OriginalWidth,
                setting.NearTiesOriginal[t - 1], $"{name} frame {t}");
        }
    }

    [SharedFact]
    public void Track_DavisRootWithFeatures_WritesEverySequenceOfTheSet()
    {
        using var temp = new TempDirectory();
        // A DAVIS root with two sequences sharing the fixture's first mask, features in DIR/<seq>/.
        string root = temp.File("davis");
        foreach (string seq in new[] { "alpha", "beta" })
        {
            Directory.CreateDirectory(Path.Combine(root, "Annotations", "480p", seq));
            File.Copy(Fx.Dir("first_mask.png"), Path.Combine(root, "Annotations", "480p", seq, "00000.png"));
            WriteFixtureFeatures(temp.File("features", seq));
        }
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        File.WriteAllText(Path.Combine(root, "ImageSets", "2017", "val.txt"), "alpha\nbeta\n");
        var (code, output, error) = Run("track", "--features", temp.File("features"), "--davis-root", root, "--out", temp.File("out"));
        Assert.True(code == 0, error);
        Assert.Contains("2 sequence(s), 16 frames", output);
        var reference = Fx.Load("default");
        foreach (string seq in new[] { "alpha", "beta" })
        {
            var files = Directory.GetFiles(temp.File("out", seq)).Select(Path.GetFileName).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, Fx.Frames).Select(t => $"{t:D5}.png"), files);
            var last = Png.ReadIndexed(temp.File("out", seq, "00007.png"));
            int orig = Fx.OriginalHeight * Fx.OriginalWidth;
            Fx.AssertLabelsMatch(reference.Original.AsSpan(6 * orig, orig), last.Pixels, Fx.OriginalWidth, reference.NearTiesOriginal[6], seq);
        }
    }

    [Fact]
    public void Track_DavisRootAgain_KeepsFinishedSequences_RedoesMissingOnesAndOtherSettings()
    {
        using var temp = new TempDirectory();
        string root = temp.File("davis");
        var random = new Random(11);
        foreach (string seq in new[] { "alpha", "beta" })
        {
            var pixels = new byte[64 * 64];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 64 < 32 ? 1 : 2); // two objects, left and right
            Png.WriteIndexed(Path.Combine(root, "Annotations", "480p", seq, "00000.png"), new IndexedImage(64, 64, pixels, Palettes.Davis));
            Directory.CreateDirectory(temp.File("features", seq));
            for (int t = 0; t < 3; t++)
                SafetensorsWriter.Write(temp.File("features", seq, $"{t:D5}.safetensors"),
                    ("layer_11", [.. Enumerable.Range(0, 8 * 4 * 4).Select(_ => (float)random.NextDouble())], [8, 4, 4]));
        }
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "2017"));
        File.WriteAllText(Path.Combine(root, "ImageSets", "2017", "val.txt"), "alpha\nbeta\n");
        string[] run = ["track", "--features", temp.File("features"), "--davis-root", root, "--out", temp.File("out")];

        var (code, output, error) = Run(run);
        Assert.True(code == 0, error);
        Assert.Contains("tracked 2 sequence(s), 6 frames", output);
        var alphaWritten = File.GetLastWriteTimeUtc(temp.File("out", "alpha", "00002.png"));

        File.Delete(temp.File("out", "beta", "00002.png")); // as if interrupted inside beta
        (code, output, error) = Run(run);
        Assert.True(code == 0, error);
        Assert.Contains("tracked 1 sequence(s), 3 frames", output);
        Assert.Contains("1 sequence(s) kept from an earlier run with the same settings", output);
        Assert.True(File.Exists(temp.File("out", "beta", "00002.png")));
        Assert.Equal(alphaWritten, File.GetLastWriteTimeUtc(temp.File("out", "alpha", "00002.png")));

        (code, output, error) = Run([.. run, "--topk", "3"]); // other settings: everything again
        Assert.True(code == 0, error);
        Assert.Contains("tracked 2 sequence(s), 6 frames", output);
        Assert.DoesNotContain("kept", output);
    }

    [SharedFact]
    public void Track_MissingFirstMask_FailsNamingTheFile()
    {
        using var temp = new TempDirectory();
        string features = WriteFixtureFeatures(temp.File("video"));
        string mask = temp.File("nowhere", "00000.png");
        var (code, _, error) = Run("track", "--features", features, "--first-mask", mask, "--out", temp.File("out"));
        Assert.Equal(PeCli.UserError, code);
        Assert.Contains(mask, error);
        Assert.Contains("not found", error);
        Assert.False(Directory.Exists(temp.File("out")));
    }

    [SharedFact]
    public void Track_FeatureFilesOfDifferentSizes_FailsNamingTheFileBeforeWriting()
    {
        using var temp = new TempDirectory();
        string features = WriteFixtureFeatures(temp.File("video"));
        string odd = Path.Combine(features, "00005.safetensors");
        SafetensorsWriter.Write(odd, ("layer_11", new float[Fx.Channels * 12 * 15], [Fx.Channels, 12, 15]));
        var (code, _, error) = Run("track", "--features", features, "--first-mask", Fx.Dir("first_mask.png"), "--out", temp.File("out"));
        Assert.Equal(PeCli.UserError, code);
        Assert.Contains(odd, error);
        Assert.Contains("[32, 12, 15]", error);
        Assert.False(Directory.Exists(temp.File("out")));
    }

    [SharedFact]
    public void Track_RgbMask_FailsNamingTheFile()
    {
        using var temp = new TempDirectory();
        string features = WriteFixtureFeatures(temp.File("video"));
        string mask = temp.File("rgb.png");
        ImageFile.WriteRgb(mask, new RgbImage(Fx.OriginalWidth, Fx.OriginalHeight, new byte[Fx.OriginalWidth * Fx.OriginalHeight * 3]));
        var (code, _, error) = Run("track", "--features", features, "--first-mask", mask, "--out", temp.File("out"));
        Assert.Equal(PeCli.UserError, code);
        Assert.Contains(mask, error);
        Assert.Contains("RGB", error);
    }

    [SharedFact]
    public void Track_SixteenBitMaskWithIdsBeyond255_FailsNamingTheFile()
    {
        using var temp = new TempDirectory();
        string features = WriteFixtureFeatures(temp.File("video"));
        string mask = temp.File("ids16.png");
        var ids = new ushort[Fx.OriginalWidth * Fx.OriginalHeight];
        ids[100] = 300;
        Png.WriteGray16(mask, new Gray16Image(Fx.OriginalWidth, Fx.OriginalHeight, ids));
        var (code, _, error) = Run("track", "--features", features, "--first-mask", mask, "--out", temp.File("out"));
        Assert.Equal(PeCli.UserError, code);
        Assert.Contains(mask, error);
        Assert.Contains("300", error);
    }

    [Theory]
    [InlineData("--features", "f", "--checkpoint", "c", "--first-mask", "m.png")]
    [InlineData("--first-mask", "m.png")]
    [InlineData("--features", "f", "--first-mask", "m.png", "--davis-root", "d")]
    [InlineData("--features", "f", "--first-mask", "m.png", "--sequences", "a,b")]
    [InlineData("--checkpoint", "c", "--first-mask", "m.png")]
    public void Track_InconsistentOptions_IsBadUsage(params string[] args)
    {
        var (code, _, error) = Run(["track", "--out", "o", .. args]);
        Assert.Equal(PeCli.BadUsage, code);
        Assert.NotEmpty(error);
    }

    /// <summary>Writes the fixture's frames as <c>DIR/0000t.safetensors</c> ([C, h, w] <c>layer_11</c>, as `pe features` would).</summary>
    internal static string WriteFixtureFeatures(string directory)
    {
        Directory.CreateDirectory(directory);
        var frames = Fx.FeatureFrames();
        for (int t = 0; t < frames.Length; t++)
            SafetensorsWriter.Write(Path.Combine(directory, $"{t:D5}.safetensors"),
                ("layer_11", frames[t], [Fx.Channels, Fx.GridHeight, Fx.GridWidth]));
        return directory;
    }

    internal static (int Code, string Output, string Error) Run(params string[] args) => InProcessPe.Run(args);
}
