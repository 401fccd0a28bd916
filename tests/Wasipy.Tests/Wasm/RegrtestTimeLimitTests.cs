using Wasipy.Pipeline;
using Wasipy.Regrtest;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Wasm;

/// <summary>A recipe's regrtest.timeouts (a slow module's own time limit) and regrtest.not_run (modules that would only
/// wait for their limit), with a WASI program that never ends standing in for every test module.</summary>
public class RegrtestTimeLimitTests
{
    private const string Forever = """
        (module
          (memory (export "memory") 1)
          (func (export "_start") (loop $again (br $again))))
        """;

    private static (BuildSession Session, TempDir Dir) Project()
    {
        var (dir, session) = RegrtestProject.Create(Forever, ["test_plain", "test_slow", "test_waits"], """

            regrtest:
              timeouts:
                test_slow: 1
              not_run:
                "WASI has no signals: it waits for one until its time limit": [test_waits]
            """);
        return (session, dir);
    }

    [Fact]
    public void A_slow_module_has_its_own_time_limit_and_a_module_the_recipe_does_not_run_is_skipped_with_its_cause()
    {
        var (session, dir) = Project();
        using var _ = dir;
        var output = new StringWriter();

        var outcomes = new RegrtestRunner(session, output).Run(new RegrtestRequest([], All: true, Jobs: 1, TimeoutSeconds: 5))
            .ToDictionary(o => o.Test);

        Assert.Equal(TestStatus.TimedOut, outcomes["test_plain"].Status);
        Assert.Equal(TestStatus.TimedOut, outcomes["test_slow"].Status);
        Assert.True(outcomes["test_plain"].Duration >= TimeSpan.FromSeconds(4), outcomes["test_plain"].Duration.ToString());
        Assert.True(outcomes["test_slow"].Duration < TimeSpan.FromSeconds(3), outcomes["test_slow"].Duration.ToString());
        Assert.Equal(TestStatus.Skipped, outcomes["test_waits"].Status);
        Assert.Equal("not run: WASI has no signals: it waits for one until its time limit (the recipe's regrtest.not_run)", outcomes["test_waits"].FirstError);
        var results = File.ReadAllText(dir.Combine("results", "3.11.2.json"));
        Assert.Contains("\"test_slow\": 1", results);
        Assert.Contains("\"not run: WASI has no signals", results);
    }

    [Fact]
    public void A_module_named_on_the_command_line_runs_though_the_recipe_does_not_run_it()
    {
        var (session, dir) = Project();
        using var _ = dir;
        var outcome = new RegrtestRunner(session, new StringWriter()).Run(new RegrtestRequest(["test_waits"], TimeoutSeconds: 1)).Single();
        Assert.Equal(TestStatus.TimedOut, outcome.Status);
    }
}
