using System.Diagnostics;
using Wasipy.Cli;
using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Processes;

/// <summary>wasipy started as its own process and killed with SIGKILL, or signalled while it waits.</summary>
public class KilledRunTests
{
    private const string Steps = """
          - name: slow
            run: ["setsid sleep 300 > /dev/null 2>&1 & echo $! > {{ dirs.project }}/escaped.pid; sleep 300 & echo $! > {{ dirs.project }}/child.pid; wait"]
        """;

    private static Process Start(TempDir dir, string recipe)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(WasipyCli).Assembly.Location, "run", recipe])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = dir.Path,
        };
        return Process.Start(start)!;
    }

    [Fact]
    public async Task After_wasipy_is_killed_with_sigkill_the_next_run_ends_what_the_step_left_before_running_it_again()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        using var first = Start(dir, recipe);
        var escaped = await EscapedProcessTests.WaitForPid(dir.Combine("escaped.pid"));
        var child = await EscapedProcessTests.WaitForPid(dir.Combine("child.pid"));
        first.Kill();   // SIGKILL: wasipy cannot end anything
        await first.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(ProcessGroup.IsAlive(escaped) && ProcessGroup.IsAlive(child), "the killed run's step should still run here");
        File.Delete(dir.Combine("child.pid"));

        using var second = Start(dir, recipe);
        var stderr = second.StandardError.ReadToEndAsync();
        _ = second.StandardOutput.ReadToEndAsync();
        try
        {
            var again = await EscapedProcessTests.WaitForPid(dir.Combine("child.pid"));   // the step runs again ...

            Assert.NotEqual(child, again);
            Assert.False(ProcessGroup.IsAlive(escaped), $"the killed run's escaped child {escaped} still runs");   // ... after the old one was ended
            Assert.False(ProcessGroup.IsAlive(child), $"the killed run's child {child} still runs");
        }
        finally
        {
            Process.Start("kill", ["-TERM", second.Id.ToString()])!.WaitForExit();
            await second.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            foreach (var pid in new[] { escaped, child }.Where(ProcessGroup.IsAlive))   // only if the test failed
                Process.GetProcessById(pid).Kill();
        }
        Assert.Equal(143, second.ExitCode);
        Assert.Contains("process(es) that an earlier wasipy run", await stderr);
        var last = await EscapedProcessTests.WaitForPid(dir.Combine("escaped.pid"));
        Assert.False(ProcessGroup.IsAlive(last), $"the second run's escaped child {last} still runs");
    }

    [Fact]
    public async Task The_first_sigterm_ends_a_run_that_waits_for_the_build_folders_lock()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        using var held = await DirectoryLock.AcquireAsync(dir.Combine("build", "3.11"), _ => { }, CancellationToken.None);
        using var wasipy = Start(dir, recipe);
        _ = wasipy.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var seen = "";
        while (!seen.Contains("waiting for another wasipy run"))
        {
            Assert.True(DateTime.UtcNow < deadline, "wasipy never waited for the lock: " + seen);
            seen += (char)wasipy.StandardError.Read();
        }

        var clock = Stopwatch.StartNew();
        Process.Start("kill", ["-TERM", wasipy.Id.ToString()])!.WaitForExit();
        await wasipy.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(143, wasipy.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.False(File.Exists(dir.Combine("child.pid")));
    }
}
