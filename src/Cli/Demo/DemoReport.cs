using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Demo;

/// <summary>Writes the demo's <c>metrics.json</c> (the names of CLI.md) and its one-page <c>report.html</c>.</summary>
internal static class DemoReport
{
    public const string ReportFileName = "report.html";
    public const string MetricsFileName = "metrics.json";

    /// <summary>The learning targets the demo is held to (issue: the main job).</summary>
    public const double DetectionAp50Target = 0.45;
    public const double DepthAbsRelTarget = 0.25;

    public static void Write(string directory, DemoSummary summary)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, MetricsFileName), Metrics(summary).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, ReportFileName), Html(summary));
    }

    public static JsonObject Metrics(DemoSummary s)
    {
        static JsonObject DepthMetrics(IReadOnlyDictionary<string, double> m) => new()
        {
            ["abs_rel"] = m["abs_rel"],
            ["rmse"] = m["rmse"],
            ["d1"] = m["d1"],
        };
        return new JsonObject
        {
            ["detection"] = new JsonObject { ["AP"] = s.Detection.AP, ["AP50"] = s.Detection.AP50 },
            ["depth"] = DepthMetrics(s.Depth.Head),
            ["tracking"] = new JsonObject { ["J&F-Mean"] = s.Tracking.JAndFMean, ["J-Mean"] = s.Tracking.JMean, ["F-Mean"] = s.Tracking.FMean },
            ["baselines"] = new JsonObject
            {
                ["depth_constant"] = DepthMetrics(s.Depth.Constant),
                ["depth_pixel_median"] = DepthMetrics(s.Depth.PixelMedian),
            },
            ["backbone"] = new JsonObject
            {
                ["name"] = s.Backbone.Name,
                ["checkpoint"] = s.Backbone.Checkpoint,
                ["random_weights"] = s.Backbone.RandomWeights,
                ["weights_id"] = s.Backbone.WeightsId,
                ["parameters"] = s.Backbone.Parameters,
                ["patch_size"] = s.Backbone.PatchSize,
                ["width"] = s.Backbone.Width,
                ["depth"] = s.Backbone.Depth,
            },
        };
    }

    /// <summary>The lines printed at the end of the demo: each metric beside its baselines and target.</summary>
    public static IEnumerable<string> ConsoleLines(DemoSummary s)
    {
        var d = s.Depth;
        yield return F($"Detection (held-out synthetic COCO, {s.Detection.ValImages} images): AP {s.Detection.AP:F3}, AP50 {s.Detection.AP50:F3} (target AP50 >= {DetectionAp50Target:F2}: {Verdict(s.Detection.AP50 >= DetectionAp50Target)})");
        yield return F($"Depth (held-out synthetic NYU, {d.TestImages} images):     abs_rel   rmse     d1");
        yield return F($"  DPT head                              {d.Head["abs_rel"],8:F3} {d.Head["rmse"],8:F3} {d.Head["d1"],6:F3}");
        yield return F($"  constant median (baseline)            {d.Constant["abs_rel"],8:F3} {d.Constant["rmse"],8:F3} {d.Constant["d1"],6:F3}");
        yield return F($"  per-pixel training median (baseline)  {d.PixelMedian["abs_rel"],8:F3} {d.PixelMedian["rmse"],8:F3} {d.PixelMedian["d1"],6:F3}");
        yield return F($"  target abs_rel <= {DepthAbsRelTarget:F2} and below the per-pixel median: {Verdict(DepthMet(d))}");
        yield return F($"Tracking (synthetic DAVIS, {s.Tracking.Sequences} sequences): J&F {s.Tracking.JAndFMean:F3}, J {s.Tracking.JMean:F3}, F {s.Tracking.FMean:F3}");
        if (s.Backbone.RandomWeights)
            yield return "The backbone has RANDOM weights: these numbers show that the heads, the cache and the evaluators work, not what PE's features can do.";
    }

    private static bool DepthMet(DepthStageResult d) => d.Head["abs_rel"] <= DepthAbsRelTarget && d.Head["abs_rel"] < d.PixelMedian["abs_rel"];

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Html(DemoSummary s)
    {
        var b = s.Backbone;
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>PE toolkit demo</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
            h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
            .warning { background: #fff4d6; border-left: 6px solid #e0a100; padding: 0.8em 1em; }
            table { border-collapse: collapse; margin: 0.8em 0; } td, th { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
            th:first-child, td:first-child { text-align: left; } .met { color: #137333; font-weight: 600; } .missed { color: #b3261e; font-weight: 600; }
            figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; } figcaption { color: #555; font-size: 0.9em; }
            .gallery { display: flex; flex-wrap: wrap; gap: 0 1em; } .gallery figure { width: calc(50% - 0.5em); margin: 0.5em 0; } .gallery img { width: 100%; }
            .plots { display: flex; flex-wrap: wrap; gap: 1em; } .plots img { width: 520px; max-width: 100%; }
            code { background: #f3f3f3; padding: 0 0.25em; }
            </style></head><body>
            <h1>Perception Encoder toolkit: demo report</h1>
            """);
        html.Append(F($"<p>Backbone <b>{E(b.Name)}</b>: patch {b.PatchSize}, width {b.Width}, {b.Depth} blocks, {b.Parameters:N0} parameters, from <code>{E(b.Checkpoint)}</code>.</p>\n"));
        if (b.RandomWeights)
            html.Append("<p class=\"warning\"><b>This backbone has random weights</b> (no <code>--checkpoint</code> was given). Its features carry each patch's own content " +
                "through the residual stream but nothing learned, so the heads below learn from very little. The numbers show that the training, caching " +
                "and evaluation machinery works end to end on synthetic data; they say nothing about what PE's features can do. Run " +
                "<code>pe demo --checkpoint PE-Spatial-B16-512.pt</code> with an official checkpoint for that.</p>\n");
        else
            html.Append("<p>The backbone's weights come from the checkpoint above; the heads were trained on its frozen features.</p>\n");

        AppendSummary(html, s);
        AppendDetection(html, s.Detection);
        AppendDepth(html, s.Depth);
        AppendTracking(html, s.Tracking);
        html.Append(F($"""
            <h2>How these numbers were made</h2>
            <p>Synthetic data from the toolkit's generator in the real datasets' layouts (<code>{E(s.Data.Root)}</code>): COCO {s.Data.CocoTrain} train / {s.Data.CocoVal} val images,
            NYU {s.Data.NyuTrain} train / {s.Data.NyuTest} test pairs, {s.Data.DavisSequences} DAVIS videos. The backbone ran once per image into the feature cache
            ({s.Cache.Images} images, {s.Cache.Bytes / 1048576.0:F1} MiB); the heads trained on the cached maps. Scores come from the toolkit's evaluators,
            which match pycocotools, the BTS/ZoeDepth NYU protocol and the DAVIS 2017 evaluator to the last digit (see the README).</p>
            <table><tr><th>stage</th><th>seconds</th></tr>
            <tr><td>data</td><td>{s.Data.Seconds:F0}</td></tr><tr><td>feature cache</td><td>{s.Cache.Seconds:F0}</td></tr>
            <tr><td>detection head</td><td>{s.Detection.Seconds:F0}</td></tr><tr><td>depth head</td><td>{s.Depth.Seconds:F0}</td></tr>
            <tr><td>tracking</td><td>{s.Tracking.Seconds:F0}</td></tr></table>

            """));
        html.Append(ImageCheckScript);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private const string ImageCheckScript = """
            <script>
            // Marks pictures that failed to load, on the page and as body attributes (the browser test reads them).
            window.addEventListener("load", () => {
              const images = [...document.images];
              const missing = images.filter(i => !(i.complete && i.naturalWidth > 0));
              missing.forEach(i => i.insertAdjacentHTML("afterend", `<p class="missed">missing picture: ${i.getAttribute("src")}</p>`));
              document.body.dataset.imagesLoaded = images.length - missing.length;
              document.body.dataset.imagesMissing = missing.length;
            });
            </script>
            """;

    private static void AppendSummary(StringBuilder html, DemoSummary s)
    {
        string Mark(bool met) => met ? "<span class=\"met\">met</span>" : "<span class=\"missed\">not met</span>";
        var d = s.Depth;
        html.Append(F($"""
            <h2>Summary</h2>
            <table>
            <tr><th>task</th><th>metric</th><th>result</th><th>trivial baselines</th><th>target</th></tr>
            <tr><td>detection</td><td>COCO bbox AP50 (AP)</td><td>{s.Detection.AP50:F3} ({s.Detection.AP:F3})</td><td>-</td><td>&ge; {DetectionAp50Target:F2}: {Mark(s.Detection.AP50 >= DetectionAp50Target)}</td></tr>
            <tr><td>depth</td><td>abs_rel</td><td>{d.Head["abs_rel"]:F3}</td><td>constant {d.Constant["abs_rel"]:F3}, per-pixel median {d.PixelMedian["abs_rel"]:F3}</td><td>&le; {DepthAbsRelTarget:F2} and below the per-pixel median: {Mark(DepthMet(d))}</td></tr>
            <tr><td>tracking</td><td>DAVIS J&amp;F (J, F)</td><td>{s.Tracking.JAndFMean:F3} ({s.Tracking.JMean:F3}, {s.Tracking.FMean:F3})</td><td>-</td><td>reported</td></tr>
            </table>

            """));
    }

    private static void AppendDetection(StringBuilder html, DetectionStageResult d)
    {
        html.Append(F($"""
            <h2>Detection</h2>
            <p>FCOS head on a simple feature pyramid, trained {d.Epochs} epochs on {d.TrainImages} images; COCO bbox evaluation on {d.ValImages} held-out images:
            AP {d.AP:F3}, AP50 {d.AP50:F3}, AP75 {d.AP75:F3}. Boxes scoring above 0.3 on held-out images:</p>

            """));
        html.Append("<div class=\"gallery\">\n");
        foreach (string picture in d.Pictures) Figure(html, picture, "");
        html.Append("</div>\n");
        html.Append($"<div class=\"plots\"><img src=\"{E(d.LossPlot)}\" alt=\"detection loss curve\"><img src=\"{E(d.PrecisionRecallPlot)}\" alt=\"precision-recall curve\"></div>\n");
    }

    private static void AppendDepth(StringBuilder html, DepthStageResult d)
    {
        html.Append(F($"<h2>Depth</h2>\n<p>DPT head trained {d.Epochs} epochs on {d.TrainImages} images; NYU metrics on {d.TestImages} held-out images beside two trivial baselines on the same images:</p>\n"));
        html.Append("<table><tr><th>predictor</th>");
        string[] names = ["abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog", "d1", "d2", "d3"];
        foreach (string n in names) html.Append($"<th>{n}</th>");
        html.Append("</tr>\n");
        foreach (var (label, metrics) in new[] { ("DPT head", d.Head), ("constant median", d.Constant), ("per-pixel training median", d.PixelMedian) })
        {
            html.Append($"<tr><td>{label}</td>");
            foreach (string n in names) html.Append(F($"<td>{metrics[n]:F3}</td>"));
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
        foreach (string picture in d.Pictures) Figure(html, picture, "image, predicted depth, ground truth (Turbo: red near, blue far, same scale)");
        html.Append($"<div class=\"plots\"><img src=\"{E(d.LossPlot)}\" alt=\"depth loss curve\"></div>\n");
    }

    private static void AppendTracking(StringBuilder html, TrackingStageResult t)
    {
        html.Append(F($"<h2>Tracking</h2>\n<p>Label propagation from the first frame's masks ({t.Sequences} videos, {t.Frames} frames, short side {t.ShortSide}), DAVIS 2017 semi-supervised evaluation: J&amp;F {t.JAndFMean:F3}, J {t.JMean:F3}, F {t.FMean:F3}.</p>\n"));
        foreach (string picture in t.Pictures) Figure(html, picture, "five frames, first to last, with the tracked masks over them; below, the masks alone");
    }

    private static void Figure(StringBuilder html, string picture, string caption) =>
        html.Append($"<figure><img src=\"{E(picture)}\" alt=\"{E(Path.GetFileNameWithoutExtension(picture))}\"><figcaption>{E(caption)}</figcaption></figure>\n");
}
