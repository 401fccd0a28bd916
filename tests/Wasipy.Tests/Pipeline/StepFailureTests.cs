using Wasipy.Cli;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

public class StepFailureTests
{
    private const string FailingStep = """
          - name: compile
            run:
              - echo compiling widget.c
              - 'echo "widget.c:3: error: expected semicolon" >&2'
              - exit 7
        """;

    [Fact]
    public async Task A_failing_command_reports_its_exit_code_and_log_path_and_the_log_holds_its_output()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(FailingStep));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var session = BuildSession.Open(new BuildOptions { RecipePath = recipe });

        var e = await Assert.ThrowsAsync<StepFailedException>(() => new PipelineRunner(session, new RecordingReporter()).RunAsync(CancellationToken.None));

        Assert.Equal("compile", e.Step);
        Assert.Equal(7, e.ProcessExitCode);
        Assert.Equal(dir.Combine("build", "3.11", "logs", "compile.log"), e.LogPath);
        Assert.Contains("exited with code 7", e.Message);
        Assert.Contains(e.LogPath, e.Message);
        var log = await File.ReadAllTextAsync(e.LogPath);
        Assert.Contains("compiling widget.c", log);
        Assert.Contains("widget.c:3: error: expected semicolon", log);
    }

    [Fact]
    public async Task The_cli_prints_the_tail_of_the_log_and_exits_non_zero()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(FailingStep));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await WasipyCli.RunAsync(["run", recipe], stdout, stderr);

        Assert.Equal(1, exit);
        Assert.Matches(@"\[1/1\] compile +FAILED", stdout.ToString());
        Assert.Contains("widget.c:3: error: expected semicolon", stdout.ToString());
        Assert.Contains("step 'compile' failed: command exited with code 7", stderr.ToString());
    }

    [Fact]
    public async Task A_bad_recipe_exits_2_with_file_and_line_and_runs_nothing()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(FailingStep));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe.Replace("version: 3.11.2", "version: [3]"));
        var stderr = new StringWriter();

        var exit = await WasipyCli.RunAsync(["run", recipe], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("3.11.yaml(1,", stderr.ToString());
        Assert.False(Directory.Exists(dir.Combine("build")));
    }

    [Fact]
    public async Task An_unknown_template_variable_stops_the_build_before_any_step_runs()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: ok
                run: ["touch {{ dirs.project }}/ran"]
              - name: broken
                run: ["make -j{{ job }}"]
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var stderr = new StringWriter();

        var exit = await WasipyCli.RunAsync(["run", recipe], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("step 'broken', run[0]", stderr.ToString());
        Assert.Contains("job", stderr.ToString());
        Assert.False(File.Exists(dir.Combine("ran")));
    }

    [Fact]
    public void A_problem_that_ends_its_sentence_is_not_followed_by_a_second_full_stop()
    {
        var e = new StepFailedException("fetch", "could not fetch it. Pass --mirror DIR, or check the url and the commit id.", "/b/logs/fetch.log");

        Assert.Equal("step 'fetch' failed: could not fetch it. Pass --mirror DIR, or check the url and the commit id. Full log: /b/logs/fetch.log", e.Message);
    }
}
