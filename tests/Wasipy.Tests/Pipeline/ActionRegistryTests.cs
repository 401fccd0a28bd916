using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Pipeline.Actions;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

public class ActionRegistryTests
{
    /// <summary>A new built-in action is one small class.</summary>
    private sealed class GreetAction : IBuiltinAction
    {
        public string Name => "greet";
        public ActionSignature Parameters { get; } = new(["to"], ["greeting"]);
        public IEnumerable<string> Outputs(ActionContext c) => [c.Param("to")];

        public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation) =>
            File.WriteAllTextAsync(c.Param("to"), $"{c.Unit.With.GetValueOrDefault("greeting", "hello")} {c.Session.Recipe.Version}", cancellation);
    }

    [Fact]
    public async Task A_new_action_added_to_the_registry_runs_as_a_step_and_is_cached()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: hello
                uses: greet
                with: { to: "{{ dirs.build }}/hello.txt", greeting: hi }
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var options = new BuildOptions { RecipePath = recipe, Actions = ActionRegistry.Default.With(new GreetAction()) };

        var first = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);
        var second = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);

        Assert.Equal("hi 3.11.2", File.ReadAllText(dir.Combine("build", "3.11", "hello.txt")));
        Assert.Equal(StepStatus.Done, first.Single().Status);
        Assert.Equal(StepStatus.Cached, second.Single().Status);
    }

    [Fact]
    public void A_misspelt_parameter_is_refused_at_load_with_its_line_before_any_step_runs()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: first
                run: ["touch {{ dirs.project }}/first-ran"]
              - name: extract
                uses: extract
                with: { tto: "{{ dirs.build }}/pristine" }
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);

        var e = Assert.Throws<ConfigException>(() => BuildSession.Open(new BuildOptions { RecipePath = recipe }));

        var yaml = File.ReadAllLines(dir.Combine("wasipy.yaml"));
        Assert.Equal(Array.FindIndex(yaml, l => l.Contains("tto:")) + 1, e.Line);
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("step 'extract': 'extract' has no parameter 'tto'; it takes to", e.Message);
        Assert.False(File.Exists(dir.Combine("first-ran")));
    }

    [Fact]
    public void A_missing_required_parameter_is_refused_at_load()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: patch
                uses: patch
                with: { from: a }
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);

        var e = Assert.Throws<ConfigException>(() => BuildSession.Open(new BuildOptions { RecipePath = recipe }));

        Assert.Contains("step 'patch': 'patch' needs 'with: { to: ... }'; it takes from, to", e.Message);
    }
}
