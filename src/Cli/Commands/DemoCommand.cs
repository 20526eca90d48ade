using System.CommandLine;
using PerceptionEncoder.Cli.Demo;
using PerceptionEncoder.Cli.Infrastructure;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>
/// <c>pe demo [--out DIR] [--seed N] [--checkpoint FILE [--config NAME]]</c>: the offline end-to-end run on synthetic
/// data (see <see cref="DemoPipeline"/>); writes <c>DIR/report.html</c>, its pictures and <c>DIR/metrics.json</c>.
/// Running it again skips the stages that finished.
/// </summary>
internal static class DemoCommand
{
    internal static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder (data, caches, heads, report); a rerun skips finished stages.", DefaultValueFactory = _ => "demo-out" };
        var seed = new Option<int>("--seed") { Description = "Seed of the data, the random backbone and the training.", DefaultValueFactory = _ => 0 };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A PE checkpoint to use instead of the small random-weight backbone." };
        var config = new Option<string?>("--config") { Description = "Config of --checkpoint (released name or JSON); default: inferred." };
        var command = new Command("demo", "Offline end to end on synthetic data: features, detection and depth heads, tracking, the three evaluators, report.html.")
        {
            output, seed, checkpoint, config,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(config) != null && parse.GetValue(checkpoint) == null)
                throw new CliUsageException("--config needs --checkpoint.");
            GlobalOptions.ApplyTorchSettings(parse);
            var console = parse.InvocationConfiguration.Output;
            var settings = new DemoSettings
            {
                OutputDirectory = Path.GetFullPath(parse.GetValue(output)!),
                Seed = parse.GetValue(seed),
                Checkpoint = parse.GetValue(checkpoint),
                Config = parse.GetValue(config),
            };
            var summary = new DemoPipeline(settings, console).Run();
            console.WriteLine();
            foreach (string line in DemoReport.ConsoleLines(summary)) console.WriteLine(line);
            return 0;
        });
        return command;
    }
}
