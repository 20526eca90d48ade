using System.Text.Json;
using PerceptionEncoder.Heads.Tracking;
using PerceptionEncoder.Testing;
using static TorchSharp.torch;

namespace PerceptionEncoder.Tests.Tracking;

/// <summary>
/// ../shared/fixtures/labelprop: the official DINO label-propagation outputs on synthetic features (8 frames, 12×16
/// grid, C = 32, original 192×270, processed 192×256, K = 4), for three parameter settings.
/// </summary>
internal sealed class LabelPropFixture
{
    public const int Frames = 8, GridHeight = 12, GridWidth = 16, Channels = 32, Classes = 4, Patch = 16;
    public const int ProcessedHeight = 192, ProcessedWidth = 256, OriginalHeight = 192, OriginalWidth = 270;
    public const float SoftTolerance = 1e-5f;

    public static string Dir(params string[] parts) => SharedData.Path(["fixtures", "labelprop", .. parts]);

    public static IEnumerable<object[]> SettingNames() => [["default"], ["topk3_last2_nb3"], ["topk8_last3_nomask"]];

    /// <summary>Frame t's features as [C, h, w] (the file is (frame, token = i·w + j, channel)).</summary>
    public static float[][] FeatureFrames()
    {
        float[] all = ReadFloats(Dir("features.f32.bin"), Frames * GridHeight * GridWidth * Channels);
        int tokens = GridHeight * GridWidth;
        var frames = new float[Frames][];
        for (int t = 0; t < Frames; t++)
        {
            frames[t] = new float[Channels * tokens];
            for (int n = 0; n < tokens; n++)
                for (int c = 0; c < Channels; c++)
                    frames[t][c * tokens + n] = all[(t * tokens + n) * Channels + c];
        }
        return frames;
    }

    public static float[] ReadFloats(string path, int count)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(count * 4, bytes.Length);
        var values = new float[count];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    public static byte[] ReadBytes(string path, int count)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(count, bytes.Length);
        return bytes;
    }

    public sealed record Setting(string Name, PropagationOptions Options, float[] Soft, byte[] Processed, byte[] Original,
        HashSet<(int Y, int X)>[] NearTiesProcessed, HashSet<(int Y, int X)>[] NearTiesOriginal);

    public static Setting Load(string name)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Dir("manifest.json")));
        var setting = manifest.RootElement.GetProperty("settings").GetProperty(name);
        var p = setting.GetProperty("params");
        Assert.Equal(0.1, p.GetProperty("temperature").GetDouble());
        Assert.Equal(Patch, p.GetProperty("patch_size").GetInt32());
        var options = new PropagationOptions
        {
            TopK = p.GetProperty("topk").GetInt32(),
            ContextFrames = p.GetProperty("n_last_frames").GetInt32(),
            Radius = p.GetProperty("size_mask_neighborhood").GetInt32(),
            Temperature = 0.1,
        };
        var perFrame = setting.GetProperty("per_frame").EnumerateArray().ToArray();
        Assert.Equal(Frames - 1, perFrame.Length);
        var tiesProc = perFrame.Select(f => f.GetProperty("ambiguous_proc_pixels_y_x_margin").EnumerateArray()
            .Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToHashSet()).ToArray();
        var tiesOrig = perFrame.Select(f => f.GetProperty("ambiguous_orig_pixels_y_x").EnumerateArray()
            .Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToHashSet()).ToArray();
        int n = Frames - 1;
        return new Setting(name, options,
            ReadFloats(Dir(name, "soft_feat.f32.bin"), n * Classes * GridHeight * GridWidth),
            ReadBytes(Dir(name, "labels_proc.u8.bin"), n * ProcessedHeight * ProcessedWidth),
            ReadBytes(Dir(name, "labels_orig.u8.bin"), n * OriginalHeight * OriginalWidth),
            tiesProc, tiesOrig);
    }

    /// <summary>Asserts two label maps are equal except at the listed near-tie pixels; returns the differences.</summary>
    public static int AssertLabelsMatch(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, int width,
        HashSet<(int Y, int X)> nearTies, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int differences = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            differences++;
            Assert.True(nearTies.Contains((i / width, i % width)),
                $"{what}: pixel (y {i / width}, x {i % width}) is {actual[i]}, expected {expected[i]}, and is not a listed near-tie.");
        }
        return differences;
    }

    /// <summary>The fixture frames as an in-memory feature source.</summary>
    public sealed class Source(float[][] frames) : IFrameFeatureSource
    {
        public IReadOnlyList<string> FrameIds { get; } = Enumerable.Range(0, frames.Length).Select(t => $"{t:D5}").ToArray();

        public (int Height, int Width)? OriginalSize => null;

        public Tensor Features(int index) => tensor(frames[index], [Channels, GridHeight, GridWidth]);

        public void Dispose() { }
    }
}
