using Wasipy.Pipeline;
using Wasipy.Processes;

namespace Wasipy.Cli;

/// <summary>One line per step: "[3/9] host-python  done  4m31s". On a terminal, a running step shows until it ends.</summary>
public sealed class ConsoleReporter(TextWriter output, bool interactive) : IStepReporter
{
    private const int TailLines = 25;

    /// <summary>The step that started and has not finished, if any.</summary>
    public string? Running { get; private set; }

    public void Started(int index, int count, string step)
    {
        Running = step;
        if (interactive) output.Write($"{Prefix(index, count, step)}running…\r");
    }

    public void Finished(int index, int count, StepOutcome outcome)
    {
        Running = null;
        var status = outcome.Status switch
        {
            StepStatus.Cached => "cached",
            StepStatus.Done => "done  ",
            StepStatus.Skipped => "skipped",
            StepStatus.OptionalFailed => "FAILED (optional: left out)",
            _ => "FAILED",
        };
        var reason = outcome.Reason.Length > 0 ? $"  ({outcome.Reason})" : "";
        output.WriteLine($"{Prefix(index, count, outcome.Step)}{status}  {Format(outcome.Duration)}{reason}");
        if (outcome.Status is StepStatus.Failed or StepStatus.OptionalFailed)
        {
            output.WriteLine($"--- last lines of {outcome.LogPath}:");
            foreach (var line in StepLog.Tail(outcome.LogPath, TailLines)) output.WriteLine("  " + line);
            output.WriteLine("---");
        }
    }

    private static string Prefix(int index, int count, string step) => $"[{index + 1}/{count}] {step,-22} ";

    public static string Format(TimeSpan duration) => Text.Durations.Format(duration);
}
