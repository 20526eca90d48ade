using System.Diagnostics;
using System.Text.Json;
using PerceptionEncoder.Imaging;

namespace PerceptionEncoder.Cli.Demo;

/// <summary>
/// Runs the demo's stages once: a finished stage leaves its result as <c>stages/NAME.json</c>, and a later run loads
/// it instead of redoing the work. Stages that are interrupted redo only what their own resumable parts (dataset
/// writers, the feature cache, the trainer) have not finished.
/// </summary>
internal sealed class StageRunner(string directory, TextWriter log)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Directory { get; } = directory;

    public T Run<T>(string name, string title, Func<T> work) where T : class
    {
        string marker = Path.Combine(Directory, "stages", name + ".json");
        if (File.Exists(marker))
        {
            var done = JsonSerializer.Deserialize<T>(File.ReadAllText(marker), Json);
            if (done != null)
            {
                log.WriteLine($"[{name}] {title}: finished in an earlier run, skipped ({marker}).");
                return done;
            }
        }
        log.WriteLine($"[{name}] {title}...");
        var watch = Stopwatch.StartNew();
        T result = work();
        AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(result, Json));
        log.WriteLine($"[{name}] done in {watch.Elapsed.TotalSeconds:F0} s.");
        return result;
    }
}
