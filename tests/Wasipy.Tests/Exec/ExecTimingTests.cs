using Wasipy.Exec;
using Wasipy.Wasm;

namespace Wasipy.Tests.Exec;

public class ExecTimingTests
{
    [Theory]
    [InlineData("1764676800.250000")]
    [InlineData("1764676800,250000")]   // bash writes EPOCHREALTIME with the locale's decimal mark
    public void The_process_start_is_counted_from_the_time_the_script_passed(string started)
    {
        var entered = DateTime.UnixEpoch.AddSeconds(1764676800.262);

        Assert.Equal(12.0, ExecTiming.SinceScriptStart(entered, started)!.Value.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("1764676900.0")]   // after the program started: another clock, or another run's value
    public void A_missing_or_impossible_start_time_is_unknown(string? started) =>
        Assert.Null(ExecTiming.SinceScriptStart(DateTime.UnixEpoch.AddSeconds(1764676800), started));

    [Fact]
    public void Timing_prints_the_guest_time_line_and_then_each_part()
    {
        var result = new WasiResult(0, "", "", null)
        {
            ModuleLoadTime = TimeSpan.FromMilliseconds(1.25), InstantiateTime = TimeSpan.FromMilliseconds(2), GuestTime = TimeSpan.FromMilliseconds(5),
        };

        var lines = new ExecTiming("launcher", TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(4), result).Lines().ToList();

        Assert.Equal(["wasipy: guest time 5.0 ms",
            "wasipy: launcher: process start 3.0 ms, set-up 4.0 ms, module load 1.3 ms, instantiate 2.0 ms, guest _start 5.0 ms; sum 15.3 ms"], lines);
    }
}
