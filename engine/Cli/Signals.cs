using System.Runtime.InteropServices;
using Wasipy.Processes;

namespace Wasipy.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel the run: the running step's process group is ended and wasipy exits 130 or
/// 143. A second Ctrl-C kills every process group wasipy started at once.
/// </summary>
public sealed class Signals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _registrations;

    public Signals()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>130 after SIGINT, 143 after SIGTERM.</summary>
    public int ExitCode { get; private set; } = 130;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;   // wasipy ends its children first, then exits by itself
        if (_cancel.IsCancellationRequested)
        {
            ProcessGroup.KillAll();
            Console.Error.WriteLine("wasipy: killed");
            Environment.Exit(ExitCode);
        }
        ExitCode = context.Signal == PosixSignal.SIGTERM ? 143 : 130;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancel.Dispose();
    }
}
