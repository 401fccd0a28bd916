namespace Wasipy.Pipeline;

public enum StepStatus { Cached, Done, Skipped, Failed }

/// <summary>What happened to one step in a run.</summary>
public sealed record StepOutcome(string Step, StepStatus Status, TimeSpan Duration, string Key, string LogPath);

/// <summary>Hears about step progress (the console prints one line per step).</summary>
public interface IStepReporter
{
    void Started(int index, int count, string step);
    void Finished(int index, int count, StepOutcome outcome);
}
