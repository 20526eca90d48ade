using System.Diagnostics;
using PerceptionEncoder.Backbone;
using PerceptionEncoder.Cli.Infrastructure;
using PerceptionEncoder.Data.Features;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;
using PerceptionEncoder.Tests.Backbone;

namespace PerceptionEncoder.Tests.Data;

/// <summary><c>pe cache</c> end to end: a random-weight PE checkpoint, a folder of images, real child processes.</summary>
public class CacheCommandTests
{
    private static readonly PeConfig Tiny = TinyModels.SpatialLike("tiny-cache", patchSize: 8, width: 32, layers: 3, heads: 2, imageSize: 32, mlpRatio: 2, classToken: false);

    /// <summary>A checkpoint, its config file, and a folder of <paramref name="images"/> small images.</summary>
    private static (string Checkpoint, string Config, string DataRoot) Prepare(TempDirectory temp, int images)
    {
        string checkpoint = temp.File("tiny.safetensors"), config = temp.File("tiny.json");
        using (var backbone = PeBackbone.CreateRandom(Tiny, seed: 3)) backbone.Save(checkpoint);
        File.WriteAllText(config, PeConfigJson.Serialize(Tiny));
        string folder = temp.File("data", "images");
        Directory.CreateDirectory(folder);
        var random = new Random(1);
        for (int i = 0; i < images; i++)
        {
            var pixels = new byte[40 * 30 * 3];
            random.NextBytes(pixels);
            ImageFile.WriteRgb(Path.Combine(folder, $"img{i:D4}.png"), new RgbImage(40, 30, pixels));
        }
        return (checkpoint, config, temp.File("data"));
    }

    private static string[] Arguments((string Checkpoint, string Config, string DataRoot) p, string output, params string[] extra) =>
    [
        "cache", "--checkpoint", p.Checkpoint, "--config", p.Config, "--dataset", "folder", "--data-root", p.DataRoot,
        "--split", "images", "--layers", "0,-1", "--image-size", "32", "--out", output, "--batch", "4", "--shard-items", "8",
        "--threads", "1", .. extra,
    ];

    [Fact]
    public void PeCache_KilledMidRunThenRestarted_IsByteIdenticalToAnUninterruptedRun()
    {
        using var temp = new TempDirectory();
        var p = Prepare(temp, 400);
        string reference = temp.File("reference"), resumed = temp.File("resumed");
        Assert.Equal(0, RunPe(Arguments(p, reference)).ExitCode);

        // Start, wait until some shards are finished (and others in flight), then SIGKILL.
        using (var child = StartPe(Arguments(p, resumed)))
        {
            var watch = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(resumed, "shard-00002.bin")) && !child.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
                Thread.Sleep(5);
            Assert.False(child.HasExited, "pe cache finished before it could be killed; give it more images");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.False(FeatureCacheManifest.Read(Path.Combine(resumed, FeatureCache.ManifestFileName)).Complete);
        Assert.True(Directory.GetFiles(resumed, "shard-*.bin").Length < 50);

        var (exit, output) = RunPe(Arguments(p, resumed));
        Assert.Equal(0, exit);
        Assert.Contains("400 of 400 items cached", output);
        Assert.DoesNotContain(" 0 already cached", output);
        FeatureCacheTests.AssertSameFiles(reference, resumed);
    }

    [Fact]
    public void PeCache_OtherLayersIntoAnExistingCache_IsAUserErrorNamingTheDifference()
    {
        using var temp = new TempDirectory();
        var p = Prepare(temp, 6);
        string cache = temp.File("cache");
        Assert.Equal(0, PeCli.Run(Arguments(p, cache), TextWriter.Null, TextWriter.Null));
        var error = new StringWriter();
        string[] other = [.. Arguments(p, cache).Select(a => a == "0,-1" ? "1" : a)];
        Assert.Equal(PeCli.UserError, PeCli.Run(other, TextWriter.Null, error));
        Assert.Contains("layers [0, 2] (this run: [1])", error.ToString());
        Assert.Single(error.ToString().Trim().Split('\n'));
    }

    [Fact]
    public void PeCache_CorruptImage_FailsNamingIt_ThenSkipBadCountsIt()
    {
        using var temp = new TempDirectory();
        var p = Prepare(temp, 9);
        string corrupt = Path.Combine(p.DataRoot, "images", "img0005.png");
        File.WriteAllBytes(corrupt, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        string cache = temp.File("cache");

        var error = new StringWriter();
        Assert.Equal(PeCli.UserError, PeCli.Run(Arguments(p, cache), TextWriter.Null, error));
        Assert.Contains(corrupt, error.ToString());

        var output = new StringWriter();
        Assert.Equal(0, PeCli.Run(Arguments(p, cache, "--skip-bad"), output, TextWriter.Null));
        Assert.Contains("8 of 9 items cached", output.ToString());
        Assert.Contains("4 already cached", output.ToString()); // the first batch survived the failed run
        Assert.Contains("skipped 1 unreadable item(s)", output.ToString());
        Assert.Contains(corrupt, output.ToString());
    }

    private static Process StartPe(string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pe"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static (int ExitCode, string Output) RunPe(string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pe"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
