using System.CommandLine;
using PerceptionEncoder.Cli.Commands;

namespace PerceptionEncoder.Cli.Infrastructure;

/// <summary>
/// The <c>pe</c> command: its subcommands, the options common to all of them, and the exit-code contract of
/// docs CLI.md: 0 success, 1 user error (one line naming the file at fault), 2 bad usage.
/// </summary>
public static class PeCli
{
    public const int Success = 0;
    public const int UserError = 1;
    public const int BadUsage = 2;
    /// <summary>A bug in the toolkit rather than in the user's input: the stack trace is always printed.</summary>
    public const int InternalError = 70;

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("pe: Perception Encoder dense-prediction toolkit (features, detection, depth, tracking, evaluation).");
        root.Options.Add(GlobalOptions.Threads);
        root.Options.Add(GlobalOptions.Device);
        root.Options.Add(GlobalOptions.Verbose);
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Parses and runs a command line; never throws.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = BuildRootCommand();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"pe: {e.Message}");
            error.WriteLine("Run 'pe --help' (or 'pe <command> --help') for usage.");
            return BadUsage;
        }
        bool verbose = parse.GetValue(GlobalOptions.Verbose);
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(e, verbose, error);
        }
    }

    internal static int Report(Exception e, bool verbose, TextWriter error)
    {
        e = Unwrap(e);
        switch (e)
        {
            case CliUsageException:
                error.WriteLine($"pe: {e.Message}");
                return BadUsage;
            case OperationCanceledException:
                error.WriteLine("pe: interrupted.");
                return UserError;
            case var _ when IsUserError(e):
                error.WriteLine($"pe: error: {e.Message}");
                if (verbose) error.WriteLine(e);
                return UserError;
            default:
                error.WriteLine($"pe: internal error: {e.Message}");
                error.WriteLine(e);
                return InternalError;
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException != null)
            e = e.InnerException!;
        return e;
    }

    /// <summary>
    /// Failures caused by the user's files or values. Every library of the toolkit reports those as
    /// <see cref="InvalidDataException"/> (or a subclass), I/O errors or argument errors, with the file in the message.
    /// </summary>
    public static bool IsUserError(Exception e) =>
        e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException or FormatException
            or System.Text.Json.JsonException;
}

/// <summary>An invalid combination of options or arguments (exit code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);
