using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

public class StepRetryTests
{
    /// <summary>A step that fails (exit 75, "flaky mirror") until it has been tried <paramref name="failures"/> times.</summary>
    private static string Flaky(int failures, string retry) => $$$"""
          - name: flaky
            run: ["echo try >> {{ dirs.project }}/tries; [ $(wc -l < {{ dirs.project }}/tries) -gt {{{failures}}} ] || { echo flaky mirror; exit 75; }"]
            retry: {{{retry}}}
        """;

    private static async Task<(IReadOnlyList<StepOutcome>? Outcomes, StepFailedException? Failure, TempDir Dir)> Run(string steps)
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(steps));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        try
        {
            return (await new PipelineRunner(BuildSession.Open(new BuildOptions { RecipePath = recipe }), new RecordingReporter()).RunAsync(CancellationToken.None), null, dir);
        }
        catch (StepFailedException e)
        {
            return (null, e, dir);
        }
    }

    private static int Tries(TempDir dir) => File.ReadAllLines(dir.Combine("tries")).Length;

    [Fact]
    public async Task A_flaky_step_with_retry_passes_on_its_second_attempt_and_each_attempt_is_logged()
    {
        var (outcomes, failure, dir) = await Run(Flaky(1, "{ attempts: 3, delay: 0.01, on_exit_codes: [75], on_output: 'flaky mirror' }"));
        using var _ = dir;

        Assert.Null(failure);
        Assert.Equal(StepStatus.Done, outcomes!.Single().Status);
        Assert.Equal(2, Tries(dir));
        var log = File.ReadAllText(outcomes!.Single().LogPath);
        Assert.Contains("# attempt 1 of 3", log);
        Assert.Contains("# attempt 1 failed (step 'flaky' failed: command exited with code 75", log);
        Assert.Contains("# attempt 2 of 3", log);
    }

    [Fact]
    public async Task A_failure_the_retry_does_not_name_fails_at_once()
    {
        var (_, failure, dir) = await Run(Flaky(5, "{ attempts: 3, delay: 0.01, on_exit_codes: [1] }"));
        using var _ = dir;

        Assert.NotNull(failure);
        Assert.Equal(75, failure!.ProcessExitCode);
        Assert.Equal(1, Tries(dir));
    }

    [Fact]
    public async Task Retries_stop_after_the_declared_attempts()
    {
        var (_, failure, dir) = await Run(Flaky(5, "{ attempts: 3, delay: 0.01, backoff: constant }"));
        using var _ = dir;

        Assert.NotNull(failure);
        Assert.Equal(3, Tries(dir));
    }

    [Fact]
    public async Task A_step_without_retry_runs_once()
    {
        var (_, failure, dir) = await Run("""
              - name: flaky
                run: ["echo try >> {{ dirs.project }}/tries; exit 75"]
            """);
        using var _ = dir;

        Assert.NotNull(failure);
        Assert.Equal(1, Tries(dir));
    }

    [Fact]
    public void A_bad_retry_is_refused_at_load()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Flaky(1, "{ attempts: 2, backoff: sometimes }")));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);

        var e = Assert.Throws<ConfigException>(() => BuildSession.Open(new BuildOptions { RecipePath = recipe }));

        Assert.Contains("retry.backoff 'sometimes' is not one of constant, linear, exponential", e.Message);
    }
}
