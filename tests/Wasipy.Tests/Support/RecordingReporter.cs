using Wasipy.Pipeline;

namespace Wasipy.Tests.Support;

public sealed class RecordingReporter : IStepReporter
{
    public List<StepOutcome> Outcomes { get; } = [];
    public void Started(int index, int count, string step, string logPath) { }
    public void Finished(int index, int count, StepOutcome outcome) => Outcomes.Add(outcome);
}
