using Spectre.Console;

namespace PerceptionEncoder.Cli.Infrastructure;

/// <summary>
/// Progress of long work: a live bar on a terminal, plain log lines (at most one per ~5% or 10 s) when the output
/// is redirected.
/// </summary>
public static class ConsoleProgress
{
    public static bool IsInteractive => !Console.IsErrorRedirected && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with a reporter of (done, total) for a task called <paramref name="label"/>.</summary>
    public static T Run<T>(string label, int total, Func<IProgress<int>, T> work)
    {
        if (IsInteractive)
        {
            T result = default!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(total, 1));
                    result = work(new Progress(done => task.Value = done));
                    task.Value = task.MaxValue;
                });
            return result;
        }
        var log = new LineReporter(label, total);
        T value = work(log);
        log.Finish();
        return value;
    }

    public static void Run(string label, int total, Action<IProgress<int>> work) =>
        Run<bool>(label, total, p => { work(p); return true; });

    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private sealed class LineReporter(string label, int total) : IProgress<int>
    {
        private readonly DateTime _start = DateTime.UtcNow;
        private DateTime _last = DateTime.UtcNow;
        private int _lastPercent = -100;

        public void Report(int value)
        {
            int percent = total > 0 ? (int)(100L * value / total) : 0;
            var now = DateTime.UtcNow;
            if (percent - _lastPercent < 5 && (now - _last).TotalSeconds < 10) return;
            _lastPercent = percent;
            _last = now;
            Console.Error.WriteLine($"{label}: {value}/{total} ({percent}%), {(now - _start).TotalSeconds:F1} s");
        }

        public void Finish() =>
            Console.Error.WriteLine($"{label}: done, {total} in {(DateTime.UtcNow - _start).TotalSeconds:F1} s");
    }
}
