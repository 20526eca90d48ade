using PerceptionEncoder.Eval.Formats.Davis;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Eval.Tests.Davis;

public class DavisFormatTests
{
    private static string Root => SharedData.Path("fixtures", "eval", "davis", "davis_dev", "DAVIS");

    [SharedFact]
    public void ReadSequenceNames_FixtureValSet_ListsTheThreeSequences()
    {
        var davis = new DavisDataset(Root);
        Assert.Equal(["synth-alpha-70", "synth-bravo-71", "synth-charlie-72"], davis.ReadSequenceNames("val", "2017"));
    }

    [SharedFact]
    public void GetSequence_ListsSortedFramesAndAnnotations()
    {
        var s = new DavisDataset(Root).GetSequence("synth-alpha-70");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{i:D5}"), s.FrameIds);
        Assert.Equal(s.FrameIds, s.AnnotationIds);
        Assert.EndsWith("00009.png", s.AnnotationPathOf("00009"));
    }

    [SharedFact]
    public void ObjectCount_IsTheLargestIdOfTheFirstFrameWithoutVoid()
    {
        var davis = new DavisDataset(Root);
        foreach (string seq in davis.ReadSequenceNames())
        {
            var first = Png.ReadIndexed(Path.Combine(davis.AnnotationsFolder(seq), "00000.png"));
            int expected = first.Pixels.Where(v => v != 255).Max();
            Assert.Equal(expected, davis.ObjectCount(seq));
        }
    }

    [SharedFact]
    public void ReadAnnotation_ReturnsPaletteIndicesIncludingVoid()
    {
        var davis = new DavisDataset(Root);
        bool sawVoid = false;
        foreach (string seq in davis.ReadSequenceNames())
            foreach (string frame in davis.GetSequence(seq).FrameIds)
                sawVoid |= davis.ReadAnnotation(seq, frame).Pixels.Contains(DavisMask.Void);
        Assert.True(sawVoid, "the fixture has void rings");
    }

    [Fact]
    public void Read_RgbPng_FailsNamingTheFileAndTheFix()
    {
        using var temp = new TempDirectory();
        string path = temp.File("00000.png");
        ImageFile.WriteRgb(path, new RgbImage(2, 2, new byte[12]));
        var e = Assert.Throws<InvalidDataException>(() => DavisMask.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("palette", e.Message);
    }

    [Fact]
    public void GetSequence_WithoutJpegs_FailsLikeTheOfficialLoader()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("Annotations", "480p", "s"));
        Png.WriteIndexed(temp.File("Annotations", "480p", "s", "00000.png"), new IndexedImage(2, 2, new byte[4]));
        var e = Assert.Throws<InvalidDataException>(() => new DavisDataset(temp.Path).GetSequence("s"));
        Assert.Contains("no JPEG frames", e.Message);
        Assert.Single(new DavisDataset(temp.Path).GetSequence("s", requireImages: false).AnnotationPaths);
    }

    [Fact]
    public void Results_MissingFrame_NamesTheExpectedPath()
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => new DavisResults(temp.Path).Read("seq", "00003"));
        Assert.Contains(Path.Combine(temp.Path, "seq", "00003.png"), e.Message);
    }
}
