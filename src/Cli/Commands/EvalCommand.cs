using System.CommandLine;

namespace PerceptionEncoder.Cli.Commands;

/// <summary><c>pe eval coco|nyu|davis</c>: the reference evaluators (docs CLI.md, EVAL_SPEC.md).</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Evaluate results with the reference protocols: COCO detection (bbox, segm), NYU depth, DAVIS 2017.");
        command.Subcommands.Add(EvalCocoCommand.Create());
        command.Subcommands.Add(EvalNyuCommand.Create());
        command.Subcommands.Add(EvalDavisCommand.Create());
        return command;
    }
}
