using System.Diagnostics;
using Spectre.Console;
using Wasipy.Pipeline;
using Wasipy.Processes;

namespace Wasipy.Cli;

/// <summary>
/// One line per step: "[3/9] host-python  done  4m31s (why it ran)". On a terminal, the running step is shown
/// below them, updated in place with its elapsed time and its log's latest line (Spectre.Console's live status);
/// piped output (CI) gets the plain lines only.
/// </summary>
public sealed class ConsoleReporter(TextWriter output, bool interactive) : IStepReporter
{
    private const int TailLines = 25;
    private readonly Lock _lock = new();
    private (string Prefix, string LogPath, Stopwatch Clock)? _running;

    /// <summary>The step that started and has not finished, if any.</summary>
    public string? Running { get; private set; }

    public bool Interactive => interactive;

    public void Started(int index, int count, string step, string logPath)
    {
        Running = step;
        lock (_lock) _running = (Prefix(index, count, step), logPath, Stopwatch.StartNew());
    }

    public void Finished(int index, int count, StepOutcome outcome)
    {
        Running = null;
        lock (_lock) _running = null;
        var status = outcome.Status switch
        {
            StepStatus.Cached => "cached",
            StepStatus.Done => "done  ",
            StepStatus.Skipped => "skipped",
            StepStatus.OptionalFailed => "FAILED (optional: left out)",
            StepStatus.Restored => $"restored ({outcome.From})",
            StepStatus.Deferred => "not needed",
            _ => "FAILED",
        };
        var reason = outcome.Reason.Length > 0 ? $"  ({outcome.Reason})" : "";
        Write($"{Prefix(index, count, outcome.Step)}{status}  {Format(outcome.Duration)}{reason}");
        if (outcome.Status is StepStatus.Failed or StepStatus.OptionalFailed)
        {
            Write($"--- last lines of {outcome.LogPath}:");
            foreach (var line in StepLog.Tail(outcome.LogPath, TailLines)) Write("  " + line);
            Write("---");
        }
    }

    /// <summary>Runs <paramref name="work"/>; on a terminal with the running step's live line below the finished ones.</summary>
    public async Task<T> ShowAsync<T>(Func<Task<T>> work)
    {
        if (!interactive) return await work();
        return await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync("starting", async context =>
        {
            var task = work();
            while (await Task.WhenAny(task, Task.Delay(250)) != task)
            {
                context.Status(Markup.Escape(LiveLine()));
                context.Refresh();
            }
            return await task;
        });
    }

    /// <summary>"[12/24] make  1m02s  gcc -c Objects/listobject.c …", cut to the terminal's width.</summary>
    private string LiveLine()
    {
        lock (_lock)
        {
            if (_running is not { } running) return "";
            var last = StepLog.Tail(running.LogPath, 1).FirstOrDefault()?.Trim() ?? "";
            var line = $"{running.Prefix}{Format(running.Clock.Elapsed)}  {last}";
            var width = Math.Max(20, AnsiConsole.Profile.Width - 4);
            return line.Length <= width ? line : line[..(width - 1)] + "…";
        }
    }

    private void Write(string line)
    {
        // While the live status shows, lines go through Spectre so that they appear above it.
        if (interactive) AnsiConsole.Console.WriteLine(line);
        else output.WriteLine(line);
    }

    private static string Prefix(int index, int count, string step) => $"[{index + 1}/{count}] {step,-22} ";

    public static string Format(TimeSpan duration) => Durations.Format(duration);
}
