using System.Runtime.InteropServices;
using System.Text;
using CliWrap;

namespace Wasipy.Processes;

/// <summary>
/// Finds every process a command started, also one that left its process group and session (setsid) or was
/// orphaned: each command runs in a cgroup of its own when cgroup v2 is writable (<c>wasipy-RUN-N</c>, which its
/// descendants cannot leave without root), and every descendant inherits <see cref="MarkerVariable"/>, found by a scan
/// of /proc/*/environ (the fallback, and the way a later run finds what a killed run left behind).
/// </summary>
public sealed class ProcessTracking : IDisposable
{
    public const string MarkerVariable = "WASIPY_RUN";
    private const string CgroupVariable = "WASIPY_CGROUP";
    private const int SigKill = 9;
    private static int _counter;

    /// <summary>This wasipy process's run id: its pid and a random part, so that a reused pid is never confused with it.</summary>
    public static string RunId { get; } = $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>The cgroup v2 folder wasipy makes its cgroups in (its own cgroup), or null when there is none it may write.</summary>
    public static string? CgroupRoot { get; } = FindCgroupRoot();

    private ProcessTracking(string marker, string? cgroup)
    {
        Marker = marker;
        Cgroup = cgroup;
    }

    /// <summary>The value of <see cref="MarkerVariable"/> every process of this command carries: RUNID.N.</summary>
    public string Marker { get; }

    /// <summary>The command's cgroup folder, or null (then only the marker finds its processes).</summary>
    public string? Cgroup { get; }

    public static ProcessTracking Start()
    {
        var n = Interlocked.Increment(ref _counter);
        if (n == 1) RemoveEmptyCgroupsOfGoneRuns();
        string? cgroup = null;
        if (CgroupRoot is { } root)
        {
            try { cgroup = Directory.CreateDirectory(Path.Combine(root, $"wasipy-{RunId}-{n}")).FullName; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return new ProcessTracking($"{RunId}.{n}", cgroup);
    }

    /// <summary>The command with the marker in its environment and, when there is one, the cgroup it joins before it starts.</summary>
    public Command Apply(Command command)
    {
        var environment = new Dictionary<string, string?>(command.EnvironmentVariables) { [MarkerVariable] = Marker, [CgroupVariable] = Cgroup };
        return command.WithEnvironmentVariables(environment);
    }

    /// <summary>The wrapper <see cref="ProcessGroup.Command"/> runs: join the cgroup named in the environment (if any), then exec.</summary>
    internal const string JoinScript =
        "if [ -n \"${WASIPY_CGROUP:-}\" ]; then { echo $$ > \"$WASIPY_CGROUP/cgroup.procs\"; } 2>/dev/null; fi; unset WASIPY_CGROUP; exec \"$@\"";

    /// <summary>The pids of the command's processes that still run (not zombies).</summary>
    public IReadOnlyList<int> Pids() => CgroupPids(Cgroup).Union(MarkedPids(m => m == Marker)).Where(p => p != Environment.ProcessId).ToList();

    /// <summary>Sends every process of the command <paramref name="signal"/>.</summary>
    public void Signal(int signal)
    {
        foreach (var pid in Pids()) kill(pid, signal);
    }

    /// <summary>Kills every process of the command (cgroup.kill, then the marker, until none is found).</summary>
    public void KillAll() => _ended = KillCgroupAndMarked(Cgroup, m => m == Marker);

    private bool _ended;

    public void Dispose()
    {
        if (!_ended) KillAll();
        RemoveCgroup(Cgroup);
    }

    /// <summary>
    /// Ends whatever a wasipy run that is gone (killed with SIGKILL, say) left running: its cgroups and every process
    /// carrying its marker. Returns how many processes were found.
    /// </summary>
    public static int EndRun(string runId)
    {
        if (runId == RunId || runId.Length == 0) return 0;
        var cgroups = CgroupRoot is { } root && Directory.Exists(root)
            ? Directory.GetDirectories(root, $"wasipy-{runId}-*")
            : [];
        var found = cgroups.SelectMany(CgroupPids).Union(MarkedPids(m => m.StartsWith(runId + ".", StringComparison.Ordinal))).Count();
        foreach (var cgroup in cgroups) KillCgroupAndMarked(cgroup, _ => false);
        KillCgroupAndMarked(null, m => m.StartsWith(runId + ".", StringComparison.Ordinal));
        foreach (var cgroup in cgroups) RemoveCgroup(cgroup);
        return found;
    }

    /// <summary>
    /// Tidies the cgroups that runs killed with SIGKILL could not remove, once they are empty (their processes are
    /// ended by the next run that takes the same lock, <see cref="EndRun"/>).
    /// </summary>
    private static void RemoveEmptyCgroupsOfGoneRuns()
    {
        if (CgroupRoot is not { } root) return;
        try
        {
            foreach (var cgroup in Directory.GetDirectories(root, "wasipy-*"))
            {
                var parts = Path.GetFileName(cgroup).Split('-');
                if (parts.Length == 4 && int.TryParse(parts[1], out var pid) && pid != Environment.ProcessId && !Running(pid) && !CgroupPids(cgroup).Any())
                {
                    try { Directory.Delete(cgroup); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Kills until none is left; true when none was left (false only if some survived 50 rounds).</summary>
    private static bool KillCgroupAndMarked(string? cgroup, Func<string, bool> marked)
    {
        for (var round = 0; round < 50; round++)
        {
            if (cgroup is not null)
            {
                try { File.WriteAllText(Path.Combine(cgroup, "cgroup.kill"), "1"); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
            var left = CgroupPids(cgroup).Union(MarkedPids(marked)).Where(p => p != Environment.ProcessId).ToList();
            if (left.Count == 0) return true;
            foreach (var pid in left) kill(pid, SigKill);
            Thread.Sleep(20);
        }
        return false;
    }

    private static void RemoveCgroup(string? cgroup)
    {
        if (cgroup is null) return;
        for (var i = 0; i < 50 && Directory.Exists(cgroup); i++)
        {
            try { Directory.Delete(cgroup); return; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(20); }
        }
    }

    private static IEnumerable<int> CgroupPids(string? cgroup)
    {
        if (cgroup is null) return [];
        try
        {
            return File.ReadAllLines(Path.Combine(cgroup, "cgroup.procs")).Select(l => int.TryParse(l, out var p) ? p : 0).Where(p => p > 0 && Running(p)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>Processes (not zombies) whose environment has WASIPY_RUN=value with <paramref name="marked"/>(value).</summary>
    private static List<int> MarkedPids(Func<string, bool> marked)
    {
        var prefix = Encoding.ASCII.GetBytes(MarkerVariable + "=");
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            byte[] environ;
            try { environ = File.ReadAllBytes(Path.Combine(dir, "environ")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var entry in Split(environ))
                if (entry.AsSpan().StartsWith(prefix) && marked(Encoding.UTF8.GetString(entry, prefix.Length, entry.Length - prefix.Length)))
                {
                    if (Running(pid)) pids.Add(pid);
                    break;
                }
        }
        return pids;
    }

    private static IEnumerable<byte[]> Split(byte[] environ)
    {
        var start = 0;
        for (var i = 0; i <= environ.Length; i++)
            if (i == environ.Length || environ[i] == 0)
            {
                if (i > start) yield return environ[start..i];
                start = i + 1;
            }
    }

    /// <summary>The process exists and is not a zombie (an exited child its parent has not reaped yet).</summary>
    public static bool Running(int pid) => Stat(pid) is [var state, ..] && state is not ("Z" or "X");

    /// <summary>The fields of /proc/PID/stat after the command name (state, parent pid, group, ...), or null when the
    /// process does not exist (or cannot be read).</summary>
    public static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Where this process's own cgroup v2 lives, if cgroup v2 is mounted and that folder is writable.</summary>
    private static string? FindCgroupRoot()
    {
        try
        {
            var mount = File.ReadAllLines("/proc/self/mountinfo")
                .Select(l => l.Split(" - "))
                .Where(p => p.Length == 2 && p[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
                .Select(p => p[0].Split(' ')[4])
                .FirstOrDefault();
            var own = File.ReadAllLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
            if (mount is null || own is null) return null;
            var root = Path.Combine(mount, own.TrimStart('/'));
            return File.Exists(Path.Combine(root, "cgroup.procs")) && access(root, 2 /* W_OK */) == 0 ? root : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
