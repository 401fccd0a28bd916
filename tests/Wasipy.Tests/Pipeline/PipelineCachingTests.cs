using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>User stories about the step cache, on a pipeline of real shell steps.</summary>
public class PipelineCachingTests
{
    private const string Steps = """
          - name: first
            inputs: ["{{ dirs.project }}/input.txt"]
            run:
              - cat {{ dirs.project }}/input.txt > first.txt
              - echo run >> {{ dirs.project }}/first.count
            outputs: ["{{ dirs.build }}/first.txt"]
          - name: second
            run:
              - cat first.txt first.txt > second.txt
              - echo run >> {{ dirs.project }}/second.count
              - test ! -e {{ dirs.project }}/fail-second
            outputs: ["{{ dirs.build }}/second.txt"]
          - name: third
            run:
              - echo {{ recipe.version }} > third.txt
              - echo run >> {{ dirs.project }}/third.count
        """;

    private sealed class Project : IDisposable
    {
        private readonly TempDir _dir = new();

        public Project()
        {
            _dir.File("wasipy.yaml", Samples.Project(Steps));
            _dir.File("input.txt", "hello");
            RecipePath = _dir.File("recipes/3.11.yaml", Samples.Recipe);
        }

        public string RecipePath { get; }
        public string Root => _dir.Path;
        public void Write(string name, string text) => _dir.File(name, text);
        public int Runs(string step) => File.Exists(_dir.Combine(step + ".count")) ? File.ReadAllLines(_dir.Combine(step + ".count")).Length : 0;

        public async Task<IReadOnlyList<StepOutcome>> RunAsync()
        {
            var session = BuildSession.Open(new BuildOptions { RecipePath = RecipePath });
            return await new PipelineRunner(session, new RecordingReporter()).RunAsync(CancellationToken.None);
        }

        public void Dispose() => _dir.Dispose();
    }

    [Fact]
    public async Task A_second_run_with_nothing_changed_runs_no_step()
    {
        using var project = new Project();
        var first = await project.RunAsync();
        Assert.All(first, o => Assert.Equal(StepStatus.Done, o.Status));
        var second = await project.RunAsync();
        Assert.All(second, o => Assert.Equal(StepStatus.Cached, o.Status));
        Assert.Equal(1, project.Runs("first"));
        Assert.Equal(1, project.Runs("third"));
    }

    [Fact]
    public async Task Changing_an_input_file_reruns_that_step_and_every_step_after_it()
    {
        using var project = new Project();
        await project.RunAsync();
        project.Write("input.txt", "changed");
        var outcomes = await project.RunAsync();
        Assert.All(outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.Equal("changedchanged", File.ReadAllText(Path.Combine(project.Root, "build/3.11/second.txt")).Replace("\n", ""));
    }

    [Fact]
    public async Task Changing_recipe_data_reruns_only_the_steps_that_use_it()
    {
        using var project = new Project();
        await project.RunAsync();
        project.Write("recipes/3.11.yaml", Samples.Recipe.Replace("version: 3.11.2", "version: 3.11.3"));
        var outcomes = await project.RunAsync();
        Assert.Equal([StepStatus.Cached, StepStatus.Cached, StepStatus.Done], outcomes.Select(o => o.Status));
    }

    [Fact]
    public async Task A_deleted_output_makes_only_its_own_step_run_again()
    {
        using var project = new Project();
        await project.RunAsync();
        File.Delete(Path.Combine(project.Root, "build/3.11/second.txt"));
        var outcomes = await project.RunAsync();
        Assert.Equal([StepStatus.Cached, StepStatus.Done, StepStatus.Cached], outcomes.Select(o => o.Status));
    }

    [Fact]
    public async Task A_run_that_failed_midway_resumes_at_the_failed_step()
    {
        using var project = new Project();
        project.Write("fail-second", "");
        await Assert.ThrowsAsync<Errors.StepFailedException>(project.RunAsync);
        File.Delete(Path.Combine(project.Root, "fail-second"));
        var outcomes = await project.RunAsync();
        Assert.Equal([StepStatus.Cached, StepStatus.Done, StepStatus.Done], outcomes.Select(o => o.Status));
        Assert.Equal(1, project.Runs("first"));
        Assert.Equal(2, project.Runs("second"));
    }
}
