using Wasipy.Cli;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Packages;

/// <summary>`--app DIR`: the user's code goes into site-packages beside the packages; `--app-main` names its main module.</summary>
public class AppTests
{
    private static (TempDir Dir, string Recipe) Project()
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: packages
                uses: packages
              - name: show
                run: ["echo {{ app.main }} > {{ dirs.project }}/main.txt"]
            """));
        dir.File("mytool/mytool/__init__.py", "VALUE = 1\n");
        dir.File("mytool/mytool/__main__.py", "print('hello from mytool')\n");
        dir.File("mytool/helper.py", "X = 2\n");
        dir.File("mytool/__pycache__/helper.cpython-313.pyc", "stale");
        return (dir, dir.File("recipes/3.11.yaml", Samples.Recipe));
    }

    [Fact]
    public async Task The_app_folder_lands_in_site_packages_and_a_change_to_it_runs_the_step_again()
    {
        var (dir, recipe) = Project();
        using var _ = dir;
        var options = new BuildOptions { RecipePath = recipe, AppDir = dir.Combine("mytool"), AppMain = "mytool" };

        var first = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);
        dir.File("mytool/helper.py", "X = 3\n");
        var second = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);

        var site = dir.Combine("build", "3.11", "packages", "site");
        Assert.Contains("hello from mytool", File.ReadAllText(Path.Combine(site, "mytool", "__main__.py")));
        Assert.Equal("X = 3", File.ReadAllText(Path.Combine(site, "helper.py")).Trim());
        Assert.False(Directory.Exists(Path.Combine(site, "__pycache__")));
        Assert.Equal("mytool", File.ReadAllText(dir.Combine("main.txt")).Trim());
        Assert.Equal(StepStatus.Done, second[0].Status);
        Assert.Contains("app changed", second[0].Reason);
    }

    [Theory]
    [InlineData("--app-main", "my-tool", "--app-main my-tool: not a module name")]
    [InlineData("--app", "/nonexistent/app", "--app /nonexistent/app: no such folder")]
    public async Task A_bad_app_option_is_a_usage_error(string option, string value, string message)
    {
        var (dir, recipe) = Project();
        using var _ = dir;
        var stderr = new StringWriter();

        var exit = await WasipyCli.RunAsync(["plan", recipe, option, value], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr.ToString());
    }
}
