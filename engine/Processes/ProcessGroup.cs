using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using CliWrap;

namespace Wasipy.Processes;

/// <summary>
/// Every process wasipy starts leads a session of its own (setsid), so that cancelling ends it and everything it
/// started (make, clang, configure): SIGTERM to the whole group, SIGKILL after <see cref="Grace"/>, and wasipy waits
/// until the group is gone.
/// </summary>
public static class ProcessGroup
{
    private const int SigKill = 9, SigTerm = 15;
    private static readonly ConcurrentDictionary<int, bool> Running = new();

    /// <summary>How long a group has, after SIGTERM, before SIGKILL.</summary>
    public static TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The program and its arguments, started as the leader of a new session.</summary>
    public static Command Command(string program, IEnumerable<string> arguments) =>
        CliWrap.Cli.Wrap("setsid").WithArguments([program, .. arguments]).WithValidation(CommandResultValidation.None);

    /// <summary>Waits for the command; on cancellation ends its whole group, then throws OperationCanceledException.</summary>
    public static async Task<T> RunAsync<T>(CommandTask<T> task, CancellationToken cancellation) where T : CommandResult
    {
        var group = task.ProcessId;
        Running[group] = true;
        try
        {
            Task? ending = null;
            await using (cancellation.Register(() => ending = EndAsync(group)))
            {
                var result = await task;
                if (!cancellation.IsCancellationRequested) return result;
            }
            await (ending ?? EndAsync(group));
            throw new OperationCanceledException(cancellation);
        }
        finally
        {
            Running.TryRemove(group, out _);
        }
    }

    /// <summary>SIGTERM to the group, SIGKILL once the grace period is over; returns when no process of it is left.</summary>
    public static async Task EndAsync(int group)
    {
        kill(-group, SigTerm);
        if (!await GoneAsync(group, Grace)) kill(-group, SigKill);
        await GoneAsync(group, TimeSpan.FromSeconds(5));
    }

    /// <summary>A second Ctrl-C: every group wasipy started, killed now.</summary>
    public static void KillAll()
    {
        foreach (var group in Running.Keys) kill(-group, SigKill);
    }

    public static bool IsAlive(int pid) => kill(pid, 0) == 0;

    private static async Task<bool> GoneAsync(int group, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (kill(-group, 0) == 0)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
