namespace Wasipy.Exec;

/// <summary>When this process's own code started (its first line marks it), for `exec --timing`.</summary>
public static class ProcessClock
{
    public static DateTime Entered { get; private set; } = DateTime.UtcNow;

    public static void Mark() => Entered = DateTime.UtcNow;

    /// <summary>From the `./wasipy` script's start to <see cref="Entered"/>, when the script said when it started.</summary>
    public static TimeSpan? ProcessStart => ExecTiming.SinceScriptStart(Entered, Environment.GetEnvironmentVariable(ExecTiming.StartedVariable));
}
