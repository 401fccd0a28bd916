using Wasipy.Cli;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

public class StepConditionTests
{
    private const string Steps = """
          - name: always
            run: ["echo {{ stdlib.mode }} > {{ dirs.project }}/mode.txt"]
          - name: packed-only
            when: '{{ stdlib.mode == "packed" }}'
            run: ["touch {{ dirs.project }}/packed-ran"]
        """;

    [Theory]
    [InlineData("packed", StepStatus.Done, true)]
    [InlineData("zip", StepStatus.Skipped, false)]
    public async Task A_step_whose_when_is_false_is_skipped(string mode, StepStatus expected, bool ran)
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);

        var session = BuildSession.Open(new BuildOptions { RecipePath = recipe, StdlibMode = mode });
        var outcomes = await new PipelineRunner(session, new RecordingReporter()).RunAsync(CancellationToken.None);

        Assert.Equal(expected, outcomes[1].Status);
        Assert.Equal(ran, File.Exists(dir.Combine("packed-ran")));
        Assert.Equal(mode, File.ReadAllText(dir.Combine("mode.txt")).Trim());
    }

    [Fact]
    public async Task A_step_may_need_a_step_that_was_skipped()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps + """

              - name: after
                needs: [packed-only]
                run: ["touch {{ dirs.project }}/after-ran"]
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);

        var session = BuildSession.Open(new BuildOptions { RecipePath = recipe, StdlibMode = "zip" });
        var outcomes = await new PipelineRunner(session, new RecordingReporter()).RunAsync(CancellationToken.None);

        Assert.Equal([StepStatus.Done, StepStatus.Skipped, StepStatus.Done], outcomes.Select(o => o.Status));
        Assert.True(File.Exists(dir.Combine("after-ran")));
    }

    [Fact]
    public async Task A_step_after_a_skipped_step_still_runs_again_when_what_came_before_changes()
    {
        using var dir = new TempDir();
        dir.File("input.txt", "v1");
        dir.File("wasipy.yaml", Samples.Project("""
              - name: first
                inputs: ["{{ dirs.project }}/input.txt"]
                run: ["true"]
              - name: packed-only
                when: '{{ stdlib.mode == "packed" }}'
                run: ["true"]
              - name: after
                run: ["echo ran >> {{ dirs.project }}/after.log"]
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        Task Run() => new PipelineRunner(BuildSession.Open(new BuildOptions { RecipePath = recipe, StdlibMode = "zip" }), new RecordingReporter())
            .RunAsync(CancellationToken.None);

        await Run();
        dir.File("input.txt", "v2");
        await Run();
        await Run();

        Assert.Equal(2, File.ReadAllLines(dir.Combine("after.log")).Length);
    }

    [Fact]
    public void A_when_that_is_not_true_or_false_is_an_error()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: odd
                when: "{{ stdlib.mode }}"
                run: ["true"]
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var e = Assert.Throws<WasipyException>(() => UnitPlanner.Plan(BuildSession.Open(new BuildOptions { RecipePath = recipe })));
        Assert.Contains("step 'odd', when: rendered 'packed', expected true or false", e.Message);
    }

    [Fact]
    public void Needs_must_name_an_earlier_step()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: first
                needs: [later]
                run: ["true"]
              - name: later
                run: ["true"]
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var e = Assert.Throws<ConfigException>(() => BuildSession.Open(new BuildOptions { RecipePath = recipe }));
        Assert.Contains("needs 'later', which is not a step before it", e.Message);
        var yaml = File.ReadAllLines(dir.Combine("wasipy.yaml"));
        Assert.Equal(Array.FindIndex(yaml, l => l.Contains("needs: [later]")) + 1, e.Line);
    }

    [Fact]
    public async Task An_unknown_stdlib_mode_on_the_command_line_is_a_usage_error()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var stderr = new StringWriter();
        Assert.Equal(2, await WasipyCli.RunAsync(["run", recipe, "--stdlib", "squashfs"], new StringWriter(), stderr));
        Assert.Equal($"wasipy: --stdlib squashfs is not one of the modes {dir.Combine("wasipy.yaml")} defines: packed, zip", stderr.ToString().Trim());
        Assert.False(File.Exists(dir.Combine("mode.txt")));
    }
}
