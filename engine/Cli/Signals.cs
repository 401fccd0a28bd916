using System.Runtime.InteropServices;
using Wasipy.Processes;

namespace Wasipy.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel the run: the running step's processes are ended and wasipy exits 130 or 143.
/// The first signal always works: should wasipy not have stopped <see cref="ForcedAfter"/> later (an operation that
/// does not listen to cancellation), every process it started is killed and it exits with the signal's code anyway.
/// A second Ctrl-C does that at once.
/// </summary>
public sealed class Signals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TimeSpan _forcedAfter;
    private readonly Action<int> _forceExit;
    private readonly Lock _lock = new();
    private ITimer? _watchdog;
    private bool _disposed;

    /// <summary>How long wasipy has, after the first signal, to end its processes and exit by itself.</summary>
    public static TimeSpan ForcedAfter => ProcessGroup.Grace + TimeSpan.FromSeconds(10);

    public Signals() : this(register: true, ForcedAfter, ForceExit) { }

    internal Signals(bool register, TimeSpan forcedAfter, Action<int> forceExit)
    {
        _forcedAfter = forcedAfter;
        _forceExit = forceExit;
        _registrations = register
            ? [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)]
            : [];
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>130 after SIGINT, 143 after SIGTERM.</summary>
    public int ExitCode { get; private set; } = 130;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;   // wasipy ends its children first, then exits by itself
        Raise(context.Signal);
    }

    /// <summary>What a signal does (the handler's body, callable from tests).</summary>
    internal void Raise(PosixSignal signal)
    {
        bool second;
        lock (_lock)
        {
            if (_disposed) return;
            second = _watchdog is not null;
            if (!second)
            {
                ExitCode = signal == PosixSignal.SIGTERM ? 143 : 130;
                _watchdog = TimeProvider.System.CreateTimer(_ => Force(), null, _forcedAfter, Timeout.InfiniteTimeSpan);
            }
        }
        if (second)
        {
            _forceExit(ExitCode);
            return;
        }
        // Cancelling runs the registered callbacks: not on the signal thread, so that none of them can keep a second
        // signal from being handled.
        _ = Task.Run(() =>
        {
            try { _cancel.Cancel(); }
            catch (ObjectDisposedException) { }
        });
    }

    private void Force()
    {
        lock (_lock)
            if (_disposed) return;
        _forceExit(ExitCode);
    }

    private static void ForceExit(int exitCode)
    {
        ProcessGroup.KillAll();
        Console.Error.WriteLine("wasipy: cancelled (it did not stop by itself in time, so it was ended)");
        Environment.Exit(exitCode);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _watchdog?.Dispose();
        }
        foreach (var registration in _registrations) registration.Dispose();
        _cancel.Dispose();
    }
}
