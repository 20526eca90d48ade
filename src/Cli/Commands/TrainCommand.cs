using System.CommandLine;

namespace PerceptionEncoder.Cli.Commands;

/// <summary>`pe train det|depth`: trains a head on frozen backbone features.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train a task head on frozen backbone features (online or from a feature cache).");
        foreach (var sub in Subcommands())
            command.Subcommands.Add(sub);
        return command;
    }

    private static IEnumerable<Command> Subcommands()
    {
        yield return TrainDetectionCommand.Create();
        yield return TrainDepthCommand.Create();
    }
}
