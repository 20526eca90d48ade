using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PerceptionEncoder.Cli.Demo;
using PerceptionEncoder.Eval.Davis;
using PerceptionEncoder.Imaging;
using PerceptionEncoder.Testing;

namespace PerceptionEncoder.Tests.Cli;

/// <summary>One small demo run (every stage, a few images each) shared by the demo tests.</summary>
public sealed class TinyDemoFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    public TinyDemoFixture()
    {
        Settings = new DemoSettings
        {
            OutputDirectory = _temp.File("demo"),
            Seed = 5,
            RandomBackboneBlocks = 2,
            CocoTrainImages = 16,
            CocoValImages = 8,
            DetectionInputSize = 128,
            DetectionEpochs = 2,
            DetectionChannels = 32,
            NyuTrainImages = 16,
            NyuTestImages = 8,
            DepthInputSize = 128,
            DepthEpochs = 2,
            DepthFeatures = 32,
            DavisSequences = 1,
            TrackingShortSide = 128,
            ReportImages = 2,
        };
        FirstLog = new StringWriter();
        Summary = new DemoPipeline(Settings, FirstLog).Run();
    }

    internal DemoSettings Settings { get; }

    internal DemoSummary Summary { get; }

    public StringWriter FirstLog { get; }

    public string Directory => Settings.OutputDirectory;

    public void Dispose() => _temp.Dispose();
}

public sealed class DemoTests(TinyDemoFixture demo) : IClassFixture<TinyDemoFixture>
{
    private static readonly string[] Stages = ["data", "backbone", "cache", "detection", "depth", "tracking"];

    [Fact]
    public void Run_WritesTheMetricsOfCliMd_WithTheBaselinesAndTheBackbone()
    {
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(demo.Directory, "metrics.json")))!;
        foreach (string key in new[] { "AP", "AP50" }) AssertFraction(metrics["detection"]![key]);
        foreach (var group in new[] { metrics["depth"]!, metrics["baselines"]!["depth_constant"]!, metrics["baselines"]!["depth_pixel_median"]! })
        {
            Assert.True(group["abs_rel"]!.GetValue<double>() > 0);
            Assert.True(group["rmse"]!.GetValue<double>() > 0);
            AssertFraction(group["d1"]);
        }
        foreach (string key in new[] { "J&F-Mean", "J-Mean", "F-Mean" }) AssertFraction(metrics["tracking"]![key]);
        Assert.True(metrics["backbone"]!["random_weights"]!.GetValue<bool>());
        Assert.Equal(2, metrics["backbone"]!["depth"]!.GetValue<int>());
        Assert.Contains("RANDOM WEIGHTS", demo.FirstLog.ToString());
    }

    [Fact]
    public void Run_TrackingScore_IsWhatTheDavisEvaluatorGivesOnTheWrittenMasks()
    {
        string results = Path.Combine(demo.Directory, "tracking", "results");
        var evaluation = DavisEvaluator.Evaluate(Path.Combine(demo.Settings.DataRoot, "DAVIS"), results, "val");
        Assert.Equal(evaluation.JAndFMean, demo.Summary.Tracking.JAndFMean, 12);
        Assert.Equal(evaluation.JMean, demo.Summary.Tracking.JMean, 12);
    }

    [Fact]
    public void Report_SaysTheWeightsAreRandom_AndEveryPictureItNamesExists()
    {
        string html = File.ReadAllText(Path.Combine(demo.Directory, DemoReport.ReportFileName));
        Assert.Contains("random weights", html);
        var sources = Regex.Matches(html, "<img src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        // 2 detections + loss + PR, 2 depth + loss, 1 tracking strip.
        Assert.Equal(8, sources.Count);
        foreach (string source in sources)
        {
            string path = Path.Combine(demo.Directory, source);
            Assert.True(File.Exists(path), $"missing {path}");
            var (width, height) = ImageFile.ReadSize(path);
            Assert.True(width > 50 && height > 50, $"{path}: {width}x{height}");
        }
    }

    [Fact]
    public void Rerun_SkipsEveryFinishedStage_AndRedoesOnlyAnInterruptedOne()
    {
        string depthHead = Path.Combine(demo.Directory, "depth", "head", "head.safetensors");
        string detectionHead = Path.Combine(demo.Directory, "detection", "head", "head.safetensors");
        var detectionWritten = File.GetLastWriteTimeUtc(detectionHead);

        var log = new StringWriter();
        var again = new DemoPipeline(demo.Settings, log).Run();
        foreach (string stage in Stages) Assert.Contains($"[{stage}]", log.ToString());
        Assert.Equal(Stages.Length, Regex.Matches(log.ToString(), "finished in an earlier run, skipped").Count);
        Assert.Equal(demo.Summary.Detection.AP, again.Detection.AP);

        // As if the depth stage had been interrupted after its training: only it runs again, from the saved head.
        File.Delete(Path.Combine(demo.Directory, "stages", "depth.json"));
        log = new StringWriter();
        var redone = new DemoPipeline(demo.Settings, log).Run();
        Assert.Equal(Stages.Length - 1, Regex.Matches(log.ToString(), "finished in an earlier run, skipped").Count);
        Assert.DoesNotContain("[depth] training the DPT depth head on cached features: finished", log.ToString());
        Assert.Equal(demo.Summary.Depth.Head["abs_rel"], redone.Depth.Head["abs_rel"], 9);
        Assert.Equal(demo.Summary.Depth.PixelMedian["abs_rel"], redone.Depth.PixelMedian["abs_rel"], 9);
        Assert.Equal(detectionWritten, File.GetLastWriteTimeUtc(detectionHead));
        Assert.True(File.Exists(depthHead));
    }

    [ChromiumFact]
    public void Report_RendersInHeadlessChromium_WithEveryPictureLoaded()
    {
        string report = Path.Combine(demo.Directory, DemoReport.ReportFileName);
        string dom = Chromium.Run("--dump-dom", new Uri(report).AbsoluteUri);
        int images = Regex.Matches(File.ReadAllText(report), "<img ").Count;
        Assert.Contains($"data-images-loaded=\"{images}\"", dom);
        Assert.Contains("data-images-missing=\"0\"", dom);

        string screenshot = Path.Combine(demo.Directory, "screenshot.png");
        Chromium.Run($"--screenshot={screenshot}", "--window-size=1200,2400", new Uri(report).AbsoluteUri);
        var picture = ImageFile.ReadRgb(screenshot);
        Assert.Equal((1200, 2400), (picture.Width, picture.Height));
        int colours = Enumerable.Range(0, picture.Width * picture.Height)
            .Select(i => (picture.Pixels[3 * i], picture.Pixels[3 * i + 1], picture.Pixels[3 * i + 2])).Distinct().Count();
        Assert.True(colours > 50, $"the screenshot has {colours} colours: blank");
    }

    private static void AssertFraction(JsonNode? value)
    {
        double v = value!.GetValue<double>();
        Assert.InRange(v, 0, 1);
    }
}

/// <summary>A test that needs headless Chromium (Debian's <c>chromium</c> package); skipped with a message where it is absent.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Executable == null)
            Skip = "Chromium is not installed (apt-get install chromium; run-tests.sh installs it): the report's browser test is skipped.";
    }
}

internal static class Chromium
{
    public static string? Executable { get; } = new[] { "chromium", "chromium-browser", "google-chrome" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    /// <summary>Runs headless Chromium and returns its standard output.</summary>
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--virtual-time-budget=5000" }.Concat(arguments))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish in 60 s");
        }
        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
