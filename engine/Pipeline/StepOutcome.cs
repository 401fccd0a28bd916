namespace Wasipy.Pipeline;

public enum StepStatus { Cached, Done, Skipped, Failed, OptionalFailed, Restored, Deferred }

/// <summary>What happened to one build unit in a run.</summary>
public sealed record StepOutcome(string Step, StepStatus Status, TimeSpan Duration, string Key, string LogPath)
{
    /// <summary>Why the unit ran (empty when it did not run, or ran for the first time).</summary>
    public string Reason { get; init; } = "";
    /// <summary>For a restored unit, the cache it came from ("local", "remote URL").</summary>
    public string? From { get; init; }
}

/// <summary>Hears about progress (the console prints one line per unit).</summary>
public interface IStepReporter
{
    void Started(int index, int count, string step, string logPath);
    void Finished(int index, int count, StepOutcome outcome);
}
