using System.Diagnostics;
using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Processes;

/// <summary>Step children that leave the step's process group (setsid), keep its output open or drop wasipy's marker.</summary>
public class EscapedProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    internal static async Task<int> WaitForPid(string file)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(file) || !int.TryParse(File.ReadAllText(file).Trim(), out _))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{file} never appeared");
            await Task.Delay(50);
        }
        return int.Parse(File.ReadAllText(file).Trim());
    }

    private static Task<int> Step(TempDir dir, string command, CancellationToken cancellation)
    {
        var log = new StepLog(dir.Combine("step.log"));
        return Task.Run(async () =>
        {
            using (log) return await ShellRunner.RunAsync(command, dir.Path, new Dictionary<string, string>(), log, cancellation);
        });
    }

    [Fact]
    public async Task Cancelling_a_step_whose_child_escaped_with_setsid_and_holds_the_output_is_prompt_and_kills_the_child()
    {
        using var dir = new TempDir();
        using var cancel = new CancellationTokenSource();
        var step = Step(dir, "setsid sleep 300 & echo $! > escaped.pid; wait", cancel.Token);
        var escaped = await WaitForPid(dir.Combine("escaped.pid"));
        Assert.True(ProcessGroup.IsAlive(escaped));

        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => step.WaitAsync(Bound));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.False(ProcessGroup.IsAlive(escaped), $"the escaped child {escaped} still runs");
    }

    [Fact]
    public async Task A_step_that_exits_while_an_escaped_child_holds_its_output_ends_promptly_and_the_child_is_killed()
    {
        using var dir = new TempDir();
        var clock = Stopwatch.StartNew();

        var exit = await Step(dir, "setsid sleep 300 & echo $! > escaped.pid; echo done", CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(0, exit);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("done", File.ReadAllText(dir.Combine("step.log")));
        var escaped = await WaitForPid(dir.Combine("escaped.pid"));
        Assert.False(ProcessGroup.IsAlive(escaped), $"the escaped child {escaped} still runs");
    }

    [Fact]
    public async Task A_background_child_that_outlives_its_step_is_killed_when_the_step_ends()
    {
        using var dir = new TempDir();

        var exit = await Step(dir, "nohup setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > daemon.pid", CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(0, exit);
        var daemon = await WaitForPid(dir.Combine("daemon.pid"));
        Assert.False(ProcessGroup.IsAlive(daemon), $"the step's daemon {daemon} still runs");
    }

    [Fact]
    public async Task A_child_that_escapes_and_clears_its_environment_is_still_found_through_its_cgroup()
    {
        // Only a cgroup finds a process that dropped the marker; without a writable cgroup v2 there is nothing to test.
        if (ProcessTracking.CgroupRoot is null) return;
        using var dir = new TempDir();
        using var cancel = new CancellationTokenSource();
        var step = Step(dir, "setsid env -i sleep 300 & echo $! > escaped.pid; wait", cancel.Token);
        var escaped = await WaitForPid(dir.Combine("escaped.pid"));
        await Task.Delay(200);   // env has exec'd sleep
        Assert.DoesNotContain(ProcessTracking.MarkerVariable, File.ReadAllText($"/proc/{escaped}/environ"));

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => step.WaitAsync(Bound));

        Assert.False(ProcessGroup.IsAlive(escaped), $"the escaped child {escaped} still runs");
        Assert.DoesNotContain(Directory.GetDirectories(ProcessTracking.CgroupRoot, $"wasipy-{ProcessTracking.RunId}-*"),
            c => File.ReadAllText(Path.Combine(c, "cgroup.procs")).Contains(escaped.ToString()));
    }

    [Fact]
    public void The_marker_finds_what_a_run_that_is_gone_left_running_even_outside_any_cgroup()
    {
        var deadRun = $"999999-{Guid.NewGuid().ToString("N")[..12]}";
        var start = new ProcessStartInfo("setsid", ["sleep", "300"]) { Environment = { [ProcessTracking.MarkerVariable] = deadRun + ".3" } };
        using var orphan = Process.Start(start)!;
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!File.ReadAllText($"/proc/{orphan.Id}/cmdline").StartsWith("sleep", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline);
                Thread.Sleep(20);
            }

            Assert.Equal(1, ProcessTracking.EndRun(deadRun));

            Assert.True(orphan.WaitForExit(5000), "the marked process still runs");
            Assert.Equal(0, ProcessTracking.EndRun(deadRun));
        }
        finally
        {
            if (!orphan.HasExited) orphan.Kill();
        }
    }

    [Fact]
    public async Task No_cgroup_is_left_behind_after_a_step()
    {
        if (ProcessTracking.CgroupRoot is null) return;
        using var dir = new TempDir();

        await Step(dir, "echo $WASIPY_RUN > marker; cat /proc/self/cgroup > cgroup", CancellationToken.None).WaitAsync(Bound);

        var marker = File.ReadAllText(dir.Combine("marker")).Trim();
        Assert.StartsWith(ProcessTracking.RunId + ".", marker);
        var cgroup = File.ReadAllText(dir.Combine("cgroup"));
        Assert.Contains($"wasipy-{ProcessTracking.RunId}-{marker.Split('.')[1]}", cgroup);
        Assert.False(Directory.Exists(Path.Combine(ProcessTracking.CgroupRoot, $"wasipy-{ProcessTracking.RunId}-{marker.Split('.')[1]}")));
    }
}
