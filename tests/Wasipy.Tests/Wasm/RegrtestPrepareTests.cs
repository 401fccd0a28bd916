using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Regrtest;
using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

/// <summary>wasipy.yaml's regrtest.prepare: commands run in the build folder before any test starts (the project's
/// writes bytecode for the build tree's Lib); one that fails stops the run with its log, and no test runs.</summary>
public class RegrtestPrepareTests
{
    private const string Passes = """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 0))))
        """;

    private static (TempDir Dir, BuildSession Session) Project(string prepare) =>
        RegrtestProject.Create(Passes, ["test_one"], regrtestExtra: "  prepare:\n" + prepare);

    [Fact]
    public void The_prepare_commands_run_in_the_build_folder_before_the_tests()
    {
        var (dir, session) = Project("    - \"echo ready > {{ dirs.build }}/prepared.txt\"\n    - \"test -f prepared.txt\"\n");
        using var _ = dir;

        var outcome = new RegrtestRunner(session, new StringWriter()).Run(new RegrtestRequest(["test_one"], TimeoutSeconds: 60)).Single();

        Assert.Equal("ready\n", File.ReadAllText(dir.Combine("build", "3.11", "prepared.txt")));
        Assert.Equal(TestStatus.Passed, outcome.Status);
    }

    [Fact]
    public void A_failing_prepare_command_stops_the_run_before_any_test_and_names_its_log()
    {
        var (dir, session) = Project("    - \"echo no compiler here >&2; exit 3\"\n");
        using var _ = dir;
        var output = new StringWriter();

        var e = Assert.Throws<WasipyException>(() => new RegrtestRunner(session, output).Run(new RegrtestRequest(["test_one"], TimeoutSeconds: 60)));

        Assert.Equal(1, e.ExitCode);
        Assert.Contains("regrtest.prepare[0]", e.Message);
        Assert.Contains("exited with code 3", e.Message);
        var log = e.Message[(e.Message.IndexOf("see ", StringComparison.Ordinal) + 4)..];
        Assert.Contains("no compiler here", File.ReadAllText(log));
        Assert.DoesNotContain("test_one", output.ToString());
    }
}
