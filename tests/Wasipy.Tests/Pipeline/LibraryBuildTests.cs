using System.Security.Cryptography;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>Library recipes on a pipeline whose only step is `libraries`, with small archives made by the test.</summary>
public class LibraryBuildTests
{
    private const string Steps = """
          - name: libraries
            uses: libraries
        """;

    private sealed class Project : IDisposable
    {
        private readonly TempDir _dir = new();

        public Project(string buildCommand, bool optional = false)
        {
            _dir.File("wasipy.yaml", Samples.Project(Steps));
            _dir.File("tiny-1.0/tiny.h", "int tiny(void);\n");
            var (exit, output) = ShellRunner.CaptureAsync("tar czf tiny-1.0.tar.gz tiny-1.0", _dir.Path, CancellationToken.None).Result;
            Assert.True(exit == 0, output);
            var archive = _dir.Combine("tiny-1.0.tar.gz");
            var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive)));
            _dir.File("recipes/libs/tiny.yaml", $"""
                name: tiny
                version: "1.0"
                source:
                  urls: ["{new Uri(archive).AbsoluteUri}"]
                  sha256: {sha}
                build:
                  - {buildCommand}
                  - echo built >> {_dir.Combine("builds.count")}
                outputs: ["{"{{ lib.prefix }}"}/include/tiny.h"]
                """);
            RecipePath = _dir.File("recipes/3.11.yaml",
                Samples.Recipe + $"\nlibraries:\n  - recipe: libs/tiny.yaml\n    optional: {optional.ToString().ToLowerInvariant()}\n");
        }

        public string RecipePath { get; }
        public string Combine(params string[] parts) => _dir.Combine(parts);
        public int Builds => File.Exists(_dir.Combine("builds.count")) ? File.ReadAllLines(_dir.Combine("builds.count")).Length : 0;

        public Task<IReadOnlyList<StepOutcome>> RunAsync() =>
            new PipelineRunner(BuildSession.Open(new BuildOptions { RecipePath = RecipePath }), new RecordingReporter()).RunAsync(CancellationToken.None);

        public void Dispose() => _dir.Dispose();
    }

    private const string Install = "mkdir -p {{ lib.prefix }}/include && cp tiny.h {{ lib.prefix }}/include/";

    [Fact]
    public async Task A_library_is_fetched_unpacked_built_into_the_sysroot_and_then_cached()
    {
        using var project = new Project(Install);

        var first = await project.RunAsync();
        Assert.Equal([("libraries: tiny", StepStatus.Done), ("libraries", StepStatus.Done)], first.Select(o => (o.Step, o.Status)));
        Assert.True(File.Exists(project.Combine("build", "wasm-libs", "fake", "prefix", "include", "tiny.h")));
        Assert.Equal(1, project.Builds);

        var again = await project.RunAsync();
        Assert.Equal([StepStatus.Cached, StepStatus.Cached], again.Select(o => o.Status));
        Assert.Equal(1, project.Builds);
    }

    [Fact]
    public async Task A_library_that_fails_stops_the_build_and_points_at_its_own_log()
    {
        using var project = new Project("echo tiny.c:1 error boom && exit 3");

        var e = await Assert.ThrowsAsync<StepFailedException>(project.RunAsync);

        Assert.Equal("libraries: tiny", e.Step);
        Assert.Equal(project.Combine("build", "wasm-libs", "fake", "logs", "tiny.log"), e.LogPath);
        Assert.Contains("tiny.c:1 error boom", await File.ReadAllTextAsync(e.LogPath));
    }

    [Fact]
    public async Task An_optional_library_that_fails_is_reported_and_the_build_goes_on()
    {
        using var project = new Project("exit 3", optional: true);

        var outcomes = await project.RunAsync();

        Assert.Equal([StepStatus.OptionalFailed, StepStatus.Done], outcomes.Select(o => o.Status));
        Assert.Contains("warning: optional libraries: tiny did not build", await File.ReadAllTextAsync(outcomes[0].LogPath));
    }
}

public class LibraryNeedsTests
{
    private const string Steps = """
          - name: libraries
            uses: libraries
        """;

    private static string Library(string name, string needs) => $$$"""
        name: {{{name}}}
        version: "1.0"
        needs: [{{{needs}}}]
        inputs: [../../{{{name}}}.txt]
        build:
          - "mkdir -p {{ lib.prefix }} && cp {{ lib.inputs[0] }} {{ lib.prefix }}/ && echo {{ lib.name }} >> {{ dirs.project }}/builds.log"
        """;

    [Fact]
    public async Task A_library_is_rebuilt_when_a_library_it_needs_changes()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps));
        dir.File("base.txt", "v1");
        dir.File("user.txt", "u");
        dir.File("recipes/libs/base.yaml", Library("base", ""));
        dir.File("recipes/libs/user.yaml", Library("user", "base"));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe + "\nlibraries:\n  - recipe: libs/base.yaml\n  - recipe: libs/user.yaml\n");
        Task Run() => new PipelineRunner(BuildSession.Open(new BuildOptions { RecipePath = recipe }), new RecordingReporter()).RunAsync(CancellationToken.None);

        await Run();
        dir.File("base.txt", "v2");
        await Run();
        await Run();

        Assert.Equal(["base", "user", "base", "user"], File.ReadAllLines(dir.Combine("builds.log")));
    }

    [Fact]
    public async Task Needing_a_library_the_recipe_does_not_list_first_is_an_error()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(Steps));
        dir.File("user.txt", "u");
        dir.File("recipes/libs/user.yaml", Library("user", "base"));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe + "\nlibraries:\n  - recipe: libs/user.yaml\n");

        var e = await Assert.ThrowsAnyAsync<WasipyException>(() =>
            new PipelineRunner(BuildSession.Open(new BuildOptions { RecipePath = recipe }), new RecordingReporter()).RunAsync(CancellationToken.None));
        Assert.Contains("library 'user' needs 'base'", e.Message);
    }
}
