using PerceptionEncoder.Cli.Infrastructure;

namespace PerceptionEncoder.Tests.Cli;

/// <summary>Runs the <c>pe</c> command line in this process and captures what it prints.</summary>
internal static class InProcessPe
{
    public static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
