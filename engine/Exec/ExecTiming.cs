using System.Globalization;
using Wasipy.Wasm;

namespace Wasipy.Exec;

/// <summary>
/// Where an `exec` run's time went, for `--timing`: the process start (from the `./wasipy` script's start, which it
/// passes as WASIPY_STARTED, to the program's first line; unknown when run otherwise), the set-up (reading the
/// command line, finding python.wasm, starting Wasmtime), loading the compiled module, instantiating it, and the
/// guest's _start. <see cref="Path"/> says which program ran it: the launcher or the engine.
/// </summary>
public sealed record ExecTiming(string Path, TimeSpan? ProcessStart, TimeSpan Setup, WasiResult Result)
{
    public const string StartedVariable = "WASIPY_STARTED";

    /// <summary>The lines printed on stderr; the first is the one `exec --timing` always printed.</summary>
    public IEnumerable<string> Lines()
    {
        static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
        var total = (ProcessStart ?? TimeSpan.Zero) + Setup + Result.ModuleLoadTime + Result.InstantiateTime + Result.GuestTime;
        yield return $"wasipy: guest time {Ms(Result.GuestTime)} ms";
        yield return $"wasipy: {Path}: process start {(ProcessStart is { } p ? Ms(p) + " ms" : "unknown")}, set-up {Ms(Setup)} ms, " +
                     $"module load {Ms(Result.ModuleLoadTime)} ms, instantiate {Ms(Result.InstantiateTime)} ms, guest _start {Ms(Result.GuestTime)} ms; " +
                     $"sum {Ms(total)} ms";
    }

    /// <summary>The time from the script's start (WASIPY_STARTED: bash's EPOCHREALTIME, seconds since 1970 with
    /// microseconds, its decimal mark the locale's) to <paramref name="entered"/>; null when not set or not a time.</summary>
    public static TimeSpan? SinceScriptStart(DateTime entered, string? started)
    {
        if (started is null || !decimal.TryParse(started.Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)) return null;
        var since = entered - DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return since < TimeSpan.Zero || since > TimeSpan.FromMinutes(10) ? null : since;
    }
}
