using System.Runtime.InteropServices;
using Wasipy.Cli;

namespace Wasipy.Tests.Processes;

/// <summary>The first signal always ends wasipy, whatever it is doing.</summary>
public class SignalsTests
{
    [Fact]
    public async Task The_first_signal_forces_the_exit_when_the_run_does_not_stop_by_itself()
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var signals = new Signals(register: false, TimeSpan.FromMilliseconds(300), code => exited.TrySetResult(code));

        signals.Raise(PosixSignal.SIGTERM);
        // ... and the run, stuck in something that does not listen to the token, never returns.

        Assert.Equal(143, await exited.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(signals.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task A_run_that_stops_by_itself_after_the_signal_is_not_forced()
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var signals = new Signals(register: false, TimeSpan.FromSeconds(2), code => exited.TrySetResult(code));
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signals.Token.Register(() => cancelled.TrySetResult());

        signals.Raise(PosixSignal.SIGINT);
        // The token is cancelled on a pool thread: waited for, not assumed after a fixed 50 ms (a loaded machine is slower).
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(130, signals.ExitCode);
        signals.Dispose();   // the run returned

        await Task.Delay(TimeSpan.FromSeconds(2.5));   // past the 2 s after which a run that did not return is forced
        Assert.False(exited.Task.IsCompleted);
    }

    [Fact]
    public async Task A_second_signal_exits_at_once()
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var signals = new Signals(register: false, TimeSpan.FromHours(1), code => exited.TrySetResult(code));

        signals.Raise(PosixSignal.SIGINT);
        signals.Raise(PosixSignal.SIGINT);

        Assert.Equal(130, await exited.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
