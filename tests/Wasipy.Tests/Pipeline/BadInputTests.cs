using Wasipy.Cli;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>Bad input, as a user would give it: one line that says what to do, exit 2, nothing run or written elsewhere.</summary>
public class BadInputTests
{
    private const string Steps = """
          - name: only
            run: ["touch {{ dirs.project }}/ran"]
        """;

    private static async Task<(int Exit, string Stderr)> Run(params string[] args)
    {
        var stderr = new StringWriter();
        var exit = await WasipyCli.RunAsync(args, new StringWriter(), stderr);
        return (exit, stderr.ToString().Trim());
    }

    private static (TempDir Dir, string Recipe) Project(string recipe = Samples.Recipe, string steps = Steps)
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(steps));
        return (dir, dir.File("recipes/3.11.yaml", recipe));
    }

    [Theory]
    [InlineData("- a\n- b\n", "recipes/3.11.yaml(1,1): expected a mapping (key: value lines) here")]
    [InlineData("version: [3]\n", "recipes/3.11.yaml(1,10): expected a single value (text), not a list or a mapping here")]
    [InlineData("version: 3.11.2\nsurce: x\n", "recipes/3.11.yaml(2,1): unknown key 'surce'. Remove the key or fix its spelling")]
    public async Task A_malformed_recipe_is_described_in_yaml_words_not_dotnet_types(string recipe, string message)
    {
        var (dir, path) = Project(recipe);
        using var _ = dir;

        var (exit, stderr) = await Run("plan", path);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("Wasipy.", stderr);
        Assert.DoesNotContain("System.", stderr);
        Assert.Single(stderr.Split('\n'));
    }

    [Theory]
    [InlineData("../../outside/x.tgz")]
    [InlineData("/tmp/x.tgz")]
    public async Task A_source_file_name_that_is_a_path_is_refused(string name)
    {
        var (dir, path) = Project(Samples.Recipe.Replace("  sha256:", $"  file_name: {name}\n  sha256:"));
        using var _ = dir;

        var (exit, stderr) = await Run("run", path);

        Assert.Equal(2, exit);
        Assert.Contains($"source.file_name '{name}' must be a plain file name", stderr);
        Assert.False(File.Exists(dir.Combine("ran")));
    }

    [Fact]
    public async Task A_step_name_with_a_slash_is_refused_at_load()
    {
        var (dir, path) = Project(steps: """
              - name: a/b
                run: ["true"]
            """);
        using var _ = dir;

        var (exit, stderr) = await Run("run", path);

        Assert.Equal(2, exit);
        Assert.Contains("step name 'a/b' must be letters, digits, '.', '_' or '-'", stderr);
    }

    [Fact]
    public async Task A_build_folder_that_is_a_file_is_refused_before_anything_runs()
    {
        var (dir, path) = Project();
        using var _ = dir;
        dir.File("build/3.11", "not a folder");

        var (exit, stderr) = await Run("run", path);

        Assert.Equal(2, exit);
        Assert.Contains($"{dir.Combine("build", "3.11")} is a file, where wasipy needs a folder (directories.build", stderr);
        Assert.False(File.Exists(dir.Combine("ran")));
    }

    [Fact]
    public async Task A_stamp_that_is_a_folder_is_reported_not_a_crash()
    {
        var (dir, path) = Project();
        using var _ = dir;
        Directory.CreateDirectory(dir.Combine("build", "3.11", ".wasipy", "steps", "only.key"));

        var (exit, stderr) = await Run("run", path);

        Assert.Equal(2, exit);
        Assert.Contains("only.key is a folder, where wasipy keeps a stamp file; remove it and run again", stderr);
    }

    [Fact]
    public async Task A_project_path_with_a_space_is_refused_up_front_with_the_reason()
    {
        using var dir = new TempDir();
        dir.File("my project/wasipy.yaml", Samples.Project(Steps));
        var path = dir.File("my project/recipes/3.11.yaml", Samples.Recipe);

        var (exit, stderr) = await Run("run", path);

        Assert.Equal(2, exit);
        Assert.Contains("has a space or quote in it, and CPython's configure and make cannot build there", stderr);
    }

    /// <summary>A project that builds from a --source checkout holding a README and a dangling link.</summary>
    private static (TempDir Dir, string Recipe) CheckoutProject()
    {
        var (dir, path) = Project(steps: """
              - name: fetch
                uses: fetch
              - name: extract
                uses: extract
                with: { to: "{{ dirs.build }}/src" }
            """);
        dir.File("checkout/README", "r");
        File.CreateSymbolicLink(dir.Combine("checkout", "dangling"), "not/yet/built");
        return (dir, path);
    }

    [Fact]
    public async Task A_fifo_or_a_dangling_link_in_the_source_folder_is_a_message_not_a_hang()
    {
        var (dir, path) = CheckoutProject();
        using var _ = dir;
        var (made, output) = await Wasipy.Processes.ShellRunner.CaptureAsync("mkfifo checkout/pipe", dir.Path, CancellationToken.None);
        Assert.True(made == 0, output);

        var (exit, stderr) = await Run("run", path, "--source", dir.Combine("checkout")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        Assert.Contains($"{dir.Combine("checkout", "pipe")} is a FIFO, socket or device", stderr);
    }

    [Fact]
    public async Task A_link_out_of_the_source_folder_is_refused_and_a_dangling_one_inside_is_copied_as_a_link()
    {
        var (dir, path) = CheckoutProject();
        using var _ = dir;

        File.CreateSymbolicLink(dir.Combine("checkout", "escape"), "/nonexistent/target");
        var (refused, stderr) = await Run("run", path, "--source", dir.Combine("checkout"));
        File.Delete(dir.Combine("checkout", "escape"));
        var (exit, stderr2) = await Run("run", path, "--source", dir.Combine("checkout"));

        Assert.Equal(2, refused);
        Assert.Contains("escape is a link to '/nonexistent/target', which leaves the folder", stderr);
        Assert.True(exit == 0, stderr2);
        Assert.Equal("not/yet/built", new FileInfo(dir.Combine("build", "3.11", "src", "dangling")).LinkTarget);
    }
}
