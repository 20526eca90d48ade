using PerceptionEncoder.Heads.Tracking;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;
using Fx = PerceptionEncoder.Tests.Tracking.LabelPropFixture;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary>Parity of the library with the official DINO outputs in ../shared/fixtures/labelprop.</summary>
public class LabelPropagationFixtureTests
{
    [SharedFact]
    public void OneHot_FixtureFirstMask_MatchesOfficialReadSeg()
    {
        var mask = FirstFrameMask.Read(Fx.Dir("first_mask.png"));
        Assert.Equal(Fx.ReadBytes(Fx.Dir("first_mask.u8.bin"), Fx.OriginalHeight * Fx.OriginalWidth), mask.Pixels);
        using var oneHot = FirstFrameMask.OneHot(mask, Fx.GridHeight, Fx.GridWidth);
        float[] expected = Fx.ReadFloats(Fx.Dir("first_seg_onehot.f32.bin"), Fx.Classes * Fx.GridHeight * Fx.GridWidth);
        Assert.Equal([Fx.Classes, Fx.GridHeight, Fx.GridWidth], oneHot.shape);
        Assert.Equal(expected, oneHot.data<float>().ToArray());
    }

    [SharedFact]
    public void UpsampleAndNormalize_FixtureFrame1_MatchesOfficialWithin1e5()
    {
        var setting = Fx.Load("default");
        int plane = Fx.GridHeight * Fx.GridWidth;
        using var soft = tensor(setting.Soft.AsSpan(0, Fx.Classes * plane).ToArray(), [Fx.Classes, Fx.GridHeight, Fx.GridWidth]);
        using var scores = MaskDecoding.UpsampleAndNormalize(soft, Fx.Patch);
        float[] expected = Fx.ReadFloats(Fx.Dir("default", "frame1_upsampled_normed.f32.bin"),
            Fx.Classes * Fx.ProcessedHeight * Fx.ProcessedWidth);
        float[] actual = scores.data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        float worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Fx.SoftTolerance, $"max |difference| {worst}");
    }

    [SharedTheory]
    [MemberData(nameof(Fx.SettingNames), MemberType = typeof(Fx))]
    public void PilNearest_FixtureProcessedLabels_GiveOfficialOriginalLabelsExactly(string name)
    {
        var setting = Fx.Load(name);
        int proc = Fx.ProcessedHeight * Fx.ProcessedWidth, orig = Fx.OriginalHeight * Fx.OriginalWidth;
        for (int t = 0; t < Fx.Frames - 1; t++)
        {
            byte[] resized = PilNearest.Resize<byte>(setting.Processed.AsSpan(t * proc, proc),
                Fx.ProcessedHeight, Fx.ProcessedWidth, Fx.OriginalHeight, Fx.OriginalWidth);
            Assert.Equal(setting.Original.AsSpan(t * orig, orig).ToArray(), resized);
        }
    }

    [SharedTheory]
    [MemberData(nameof(Fx.SettingNames), MemberType = typeof(Fx))]
    public void Track_FixtureFeatures_MatchesOfficialSoftMapsAndLabels(string name)
    {
        var setting = Fx.Load(name);
        using var output = new TempDirectory();
        var frames = Fx.FeatureFrames();
        var tracker = new VideoTracker(setting.Options, Fx.Patch);
        int seen = 0;
        using var source = new Fx.Source(frames);
        tracker.Track(source, Fx.Dir("first_mask.png"), output.Path, observer: frame =>
        {
            AssertFrameMatches(setting, frame.Index, frame.Soft.data<float>().ToArray(), frame.ProcessedLabels.Pixels, frame.Labels.Pixels);
            seen++;
        });
        Assert.Equal(Fx.Frames - 1, seen);

        // Frame 0 is the annotation, unchanged; the others are what the observer saw.
        var first = Png.ReadIndexed(output.File("00000.png"));
        Assert.Equal(Png.ReadIndexed(Fx.Dir("first_mask.png")).Pixels, first.Pixels);
        Assert.Equal(Palettes.Davis, first.Palette);
        int orig = Fx.OriginalHeight * Fx.OriginalWidth;
        for (int t = 1; t < Fx.Frames; t++)
        {
            var written = Png.ReadIndexed(output.File($"{t:D5}.png"));
            Assert.Equal((Fx.OriginalWidth, Fx.OriginalHeight), (written.Width, written.Height));
            Fx.AssertLabelsMatch(setting.Original.AsSpan((t - 1) * orig, orig), written.Pixels, Fx.OriginalWidth,
                setting.NearTiesOriginal[t - 1], $"{name} written frame {t}");
        }
    }

    [SharedFact]
    public void Track_WholeVideo_LeavesNoLiveTensors()
    {
        var frames = Fx.FeatureFrames();
        var tracker = new VideoTracker(new PropagationOptions(), Fx.Patch);
        using var source = new Fx.Source(frames);
        tracker.Track(source, Fx.Dir("first_mask.png"), null); // warm-up (lazy natives, caches)
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        tracker.Track(source, Fx.Dir("first_mask.png"), null);
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>Compares one propagated frame with the fixture: soft within 1e-5, labels equal but at listed near-ties.</summary>
    internal static void AssertFrameMatches(Fx.Setting setting, int t, float[] soft, byte[] processed, byte[] original)
    {
        int plane = Fx.Classes * Fx.GridHeight * Fx.GridWidth;
        var expectedSoft = setting.Soft.AsSpan((t - 1) * plane, plane);
        Assert.Equal(plane, soft.Length);
        float worst = 0;
        for (int i = 0; i < plane; i++) worst = Math.Max(worst, Math.Abs(expectedSoft[i] - soft[i]));
        Assert.True(worst <= Fx.SoftTolerance, $"{setting.Name} frame {t}: soft max |difference| {worst}");

        int proc = Fx.ProcessedHeight * Fx.ProcessedWidth, orig = Fx.OriginalHeight * Fx.OriginalWidth;
        Fx.AssertLabelsMatch(setting.Processed.AsSpan((t - 1) * proc, proc), processed, Fx.ProcessedWidth,
            setting.NearTiesProcessed[t - 1], $"{setting.Name} processed frame {t}");
        Fx.AssertLabelsMatch(setting.Original.AsSpan((t - 1) * orig, orig), original, Fx.OriginalWidth,
            setting.NearTiesOriginal[t - 1], $"{setting.Name} original frame {t}");
    }
}
