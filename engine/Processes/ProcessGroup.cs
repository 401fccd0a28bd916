using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using CliWrap;
using Wasipy.Errors;

namespace Wasipy.Processes;

/// <summary>
/// Every process wasipy starts leads a session of its own (setsid) and is tracked (<see cref="ProcessTracking"/>: a
/// cgroup, and a marker in its environment), so that ending it ends everything it started (make, clang, configure),
/// also what left the group with setsid: SIGTERM to the group and every tracked process, SIGKILL after
/// <see cref="Grace"/>. When the command's own process exits, whatever it left running is killed, and wasipy does not
/// wait on an output pipe that such a process kept open.
/// </summary>
public static class ProcessGroup
{
    private const int SigKill = 9, SigTerm = 15;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    // Process-wide on purpose: it mirrors the operating system's process table, and KillAll (Ctrl-C, SIGTERM, exec's
    // exit) must reach every group any part of wasipy started. Entries live only while their command runs.
    private static readonly ConcurrentDictionary<int, ProcessTracking> Running = new();

    /// <summary>How long a group has, after SIGTERM, before SIGKILL.</summary>
    public static TimeSpan Grace { get; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the output may stay open once every tracked process is gone, before wasipy stops reading it.</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(3);

    /// <summary>The program and its arguments, started as the leader of a new session (after joining its cgroup, if any).</summary>
    public static Command Command(string program, IEnumerable<string> arguments) =>
        CliWrap.Cli.Wrap("setsid").WithArguments(["sh", "-c", ProcessTracking.JoinScript, "wasipy-step", program, .. arguments])
            .WithValidation(CommandResultValidation.None);

    /// <summary>Runs the command to its end and returns its result.</summary>
    public static Task<CommandResult> RunAsync(Command command, CancellationToken cancellation) =>
        RunAsync(command, (c, t) => c.ExecuteAsync(t), cancellation);

    /// <summary>
    /// Starts the command (through <paramref name="execute"/>, e.g. ExecuteBufferedAsync) tracked, and waits for it; on
    /// cancellation ends everything it started, then throws OperationCanceledException.
    /// </summary>
    public static async Task<T> RunAsync<T>(Command command, Func<Command, CancellationToken, CommandTask<T>> execute, CancellationToken cancellation)
        where T : CommandResult
    {
        using var tracking = ProcessTracking.Start();
        using var stopReading = new CancellationTokenSource();
        var task = execute(tracking.Apply(command), stopReading.Token);
        var leader = task.ProcessId;
        Running[leader] = tracking;
        try
        {
            var leaderGone = false;
            while (!task.Task.IsCompleted && !cancellation.IsCancellationRequested)
            {
                await Task.WhenAny(task.Task, Task.Delay(Poll, cancellation));
                if (task.Task.IsCompleted || cancellation.IsCancellationRequested || ProcessTracking.Running(leader)) continue;
                if (leaderGone) continue;
                // The command itself has exited, but a process it started keeps its output open: end them all.
                leaderGone = true;
                if (GroupIsOurs(leader)) kill(-leader, SigKill);
                tracking.KillAll();
                stopReading.CancelAfter(OutputGrace);
            }
            if (cancellation.IsCancellationRequested && !task.Task.IsCompletedSuccessfully)
            {
                await EndAsync(leader, tracking);
                stopReading.CancelAfter(OutputGrace);
                try { await task; } catch (Exception) { /* cancelled: the cause is the user's */ }
                throw new OperationCanceledException(cancellation);
            }
            try
            {
                var result = await task;
                tracking.KillAll();   // nothing a command started outlives it
                return result;
            }
            catch (OperationCanceledException) when (stopReading.IsCancellationRequested && !cancellation.IsCancellationRequested)
            {
                throw new WasipyException("a process the command started kept its output open after it was killed; wasipy stopped reading it");
            }
        }
        finally
        {
            Running.TryRemove(leader, out _);
        }
    }

    /// <summary>
    /// SIGTERM to the group and to every tracked process, SIGKILL to all once the grace period is over; returns when
    /// no process of it is left.
    /// </summary>
    internal static async Task EndAsync(int group, ProcessTracking tracking, TimeSpan? grace = null)
    {
        if (GroupIsOurs(group)) kill(-group, SigTerm);
        tracking.Signal(SigTerm);
        if (!await GoneAsync(group, tracking, grace ?? Grace) && GroupIsOurs(group)) kill(-group, SigKill);
        tracking.KillAll();
        await GoneAsync(group, tracking, TimeSpan.FromSeconds(5));
    }

    /// <summary>A second Ctrl-C, or a forced exit: every group wasipy started and everything tracked, killed now.</summary>
    public static void KillAll()
    {
        foreach (var (group, tracking) in Running)
        {
            if (GroupIsOurs(group)) kill(-group, SigKill);
            tracking.KillAll();
        }
    }

    /// <summary>
    /// Whether the group numbered after a command's leader is still that command's: while the leader is wasipy's child
    /// (running, or a zombie not yet reaped) its pid, and so the group id, cannot be reused. Once reaped, the number may
    /// belong to another program's group (pids wrap at 32768 here, and a build starts thousands of processes), and a
    /// signal to it would reach that program. What is left of the command is then found by its cgroup and marker only
    /// (<see cref="ProcessTracking"/>).
    /// </summary>
    internal static bool GroupIsOurs(int leader) =>
        ProcessTracking.Stat(leader) is [_, var parent, ..] && int.TryParse(parent, out var pid) && pid == Environment.ProcessId;

    /// <summary>The process exists (a zombie counts as gone).</summary>
    public static bool IsAlive(int pid) => ProcessTracking.Running(pid);

    private static async Task<bool> GoneAsync(int group, ProcessTracking tracking, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (GroupIsOurs(group) && kill(-group, 0) == 0 && GroupRuns(group) || tracking.Pids().Count > 0)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>Whether any process of the group runs (zombies waiting to be reaped do not count).</summary>
    private static bool GroupRuns(int group)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] is not ("Z" or "X") && int.TryParse(fields[2], out var pgrp) && pgrp == group) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return false;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
