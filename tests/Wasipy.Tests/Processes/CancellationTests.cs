using System.Diagnostics;
using Wasipy.Cli;
using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Processes;

/// <summary>wasipy started as its own process, sent a signal while a step's child process runs.</summary>
public class CancellationTests
{
    private const string Steps = """
          - name: first
            run: ["true"]
          - name: slow
            run: ["sleep 300 & echo $! > {{ dirs.project }}/child.pid; wait"]
        """;

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task A_signal_ends_the_steps_whole_process_tree_and_exits_with_the_signals_code(string signal, int expected)
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var start = new ProcessStartInfo("dotnet", [typeof(WasipyCli).Assembly.Location, "run", recipe])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = dir.Path,
        };
        using var wasipy = Process.Start(start)!;
        var stderr = wasipy.StandardError.ReadToEndAsync();
        var stdout = wasipy.StandardOutput.ReadToEndAsync();
        var pidFile = dir.Combine("child.pid");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(pidFile) || File.ReadAllText(pidFile).Trim().Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the step never started its child");
            await Task.Delay(100);
        }
        var child = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(ProcessGroup.IsAlive(child));

        Process.Start("kill", [$"-{signal}", wasipy.Id.ToString()])!.WaitForExit();
        await wasipy.WaitForExitAsync().WaitAsync(ProcessGroup.Grace + TimeSpan.FromSeconds(20));

        Assert.Equal(expected, wasipy.ExitCode);
        Assert.Contains("wasipy: cancelled during slow; the next run resumes there", await stderr);
        Assert.False(ProcessGroup.IsAlive(child), $"the step's child {child} still runs");
        Assert.False(File.Exists(dir.Combine("build", "3.11", ".wasipy", "steps", "slow.key")));
        Assert.True(File.Exists(dir.Combine("build", "3.11", ".wasipy", "steps", "first.key")), await stdout);
    }
}
