using Wasipy.Pipeline;
using Wasipy.Processes;

namespace Wasipy.Cli;

/// <summary>One line per step: "[3/9] host-python  done  4m31s". On a terminal, a running step shows until it ends.</summary>
public sealed class ConsoleReporter(TextWriter output, bool interactive) : IStepReporter
{
    private const int TailLines = 25;

    public void Started(int index, int count, string step)
    {
        if (interactive) output.Write($"{Prefix(index, count, step)}running…\r");
    }

    public void Finished(int index, int count, StepOutcome outcome)
    {
        var status = outcome.Status switch
        {
            StepStatus.Cached => "cached",
            StepStatus.Done => "done  ",
            StepStatus.Skipped => "skipped",
            _ => "FAILED",
        };
        output.WriteLine($"{Prefix(index, count, outcome.Step)}{status}  {Format(outcome.Duration)}");
        if (outcome.Status == StepStatus.Failed)
        {
            output.WriteLine($"--- last lines of {outcome.LogPath}:");
            foreach (var line in StepLog.Tail(outcome.LogPath, TailLines)) output.WriteLine("  " + line);
            output.WriteLine("---");
        }
    }

    private static string Prefix(int index, int count, string step) => $"[{index + 1}/{count}] {step,-14} ";

    public static string Format(TimeSpan duration) =>
        duration.TotalMinutes >= 1 ? $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s" : $"{duration.TotalSeconds:0.0}s";
}
