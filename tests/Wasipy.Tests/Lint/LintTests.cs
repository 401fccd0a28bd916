using System.Security.Cryptography;
using Wasipy.Cli;
using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Lint;

public class LintTests
{
    /// <summary>A project whose CPython "source" is a tiny archive in the download cache, patched by patches/fix.patch.</summary>
    private static async Task<TempDir> Project(string patchedLine)
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: only
                run: ["true"]
            """).Replace("downloads: downloads", "downloads: downloads"));
        dir.File("Python-3.11.2/README", "hello\n");
        var (exit, output) = await ShellRunner.CaptureAsync("mkdir -p downloads && tar czf downloads/Python-3.11.2.tgz Python-3.11.2", dir.Path, CancellationToken.None);
        Assert.True(exit == 0, output);
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(dir.Combine("downloads", "Python-3.11.2.tgz"))));
        dir.File("patches/fix.patch", $"--- a/README\n+++ b/README\n@@ -1 +1 @@\n-{patchedLine}\n+hello, wasm\n");
        dir.File("recipes/3.11.yaml", Samples.Recipe.Replace(Samples.Sha, sha) + "\npatches: [../patches/fix.patch]\n");
        return dir;
    }

    private static async Task<(int Exit, string Output)> Lint(TempDir dir)
    {
        var stdout = new StringWriter();
        var exit = await WasipyCli.RunAsync(["lint", "--recipes", dir.Combine("recipes")], stdout, new StringWriter());
        return (exit, stdout.ToString());
    }

    [Fact]
    public async Task A_patch_that_applies_passes()
    {
        using var dir = await Project("hello");

        var (exit, output) = await Lint(dir);

        Assert.True(exit == 0, output);
        Assert.Contains("1 patch(es) apply to Python-3.11.2.tgz", output);
    }

    [Fact]
    public async Task A_patch_that_no_longer_applies_fails_lint_with_the_file_and_hunk()
    {
        using var dir = await Project("goodbye");

        var (exit, output) = await Lint(dir);

        Assert.Equal(1, exit);
        Assert.Contains($"FAIL   {dir.Combine("recipes", "3.11.yaml")}: patch {dir.Combine("patches", "fix.patch")} does not apply: README: hunk #1 failed at line 1", output);
        Assert.Contains("lint: 0 error(s), 1 patch(es) that do not apply", output);
    }

    [Fact]
    public async Task A_patch_no_recipe_uses_and_a_broken_recipe_are_errors()
    {
        using var dir = await Project("hello");
        dir.File("patches/orphan.patch", "--- a/x\n+++ b/x\n");
        dir.File("recipes/libs/bad.yaml", "name: Bad Name\nversion: 1\nbuild: [true]\ninputs: [nothing]\n");

        var (exit, output) = await Lint(dir);

        Assert.Equal(2, exit);
        Assert.Contains($"{dir.Combine("patches", "orphan.patch")}: no recipe uses this patch", output);
        Assert.Contains("bad.yaml(1,7): library name 'Bad Name' must be", output);
    }

    [Fact]
    public async Task A_source_that_is_not_downloaded_is_reported_as_not_checked()
    {
        using var dir = await Project("hello");
        File.Delete(dir.Combine("downloads", "Python-3.11.2.tgz"));

        var (exit, output) = await Lint(dir);

        Assert.Equal(0, exit);
        Assert.Contains("its source is not in the download cache, so its 1 patch(es) were not checked", output);
    }
}
