using System.CommandLine;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>Every subcommand of <c>pe</c>, in the order <c>pe --help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return InfoCommand.Create();
        yield return FeaturesCommand.Create();
        yield return CacheCommand.Create();
        yield return TrainCommand.Create();
        yield return DetectCommand.Create();
        yield return DepthCommand.Create();
        yield return TrackCommand.Create();
        yield return EvalCommand.Create();
        yield return DemoCommand.Create();
    }
}
