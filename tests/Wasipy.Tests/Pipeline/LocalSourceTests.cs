using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

public class LocalSourceTests
{
    private const string SourceSteps = """
          - name: fetch
            uses: fetch
          - name: extract
            uses: extract
            with: { to: "{{ dirs.build }}/pristine" }
          - name: patch
            uses: patch
            with: { from: "{{ dirs.build }}/pristine", to: "{{ dirs.build }}/src" }
        """;

    [Fact]
    public async Task A_local_checkout_is_copied_and_patched_without_being_modified()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(SourceSteps));
        dir.File("patches/3.11/fix.patch", "--- a/Modules/a.c\n+++ b/Modules/a.c\n@@ -1 +1 @@\n-int a = 1;\n+int a = 2;\n");
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe + "\npatches: [../patches/3.11/fix.patch]\n");
        dir.File("cpython/Modules/a.c", "int a = 1;\n");
        var options = new BuildOptions { RecipePath = recipe, SourceDir = dir.Combine("cpython") };

        var outcomes = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);

        Assert.All(outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.Equal("int a = 2;\n", File.ReadAllText(dir.Combine("build", "3.11", "src", "Modules", "a.c")));
        Assert.Equal("int a = 1;\n", File.ReadAllText(dir.Combine("cpython", "Modules", "a.c")));
        Assert.False(Directory.Exists(dir.Combine("downloads")));

        // An edit in the checkout is picked up by the next run; nothing else is.
        dir.File("cpython/Modules/b.c", "int b;\n");
        var again = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);
        Assert.All(again, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.True(File.Exists(dir.Combine("build", "3.11", "src", "Modules", "b.c")));
        var third = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);
        Assert.All(third, o => Assert.Equal(StepStatus.Cached, o.Status));
    }

    [Fact]
    public async Task Changing_a_patch_reapplies_patches_on_a_fresh_copy()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(SourceSteps));
        var patch = dir.File("patches/fix.patch", "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-int a = 1;\n+int a = 2;\n");
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe + "\npatches: [../patches/fix.patch]\n");
        dir.File("cpython/a.c", "int a = 1;\n");
        var options = new BuildOptions { RecipePath = recipe, SourceDir = dir.Combine("cpython") };
        await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);

        File.WriteAllText(patch, "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-int a = 1;\n+int a = 3;\n");
        var outcomes = await new PipelineRunner(BuildSession.Open(options), new RecordingReporter()).RunAsync(CancellationToken.None);

        Assert.Equal([StepStatus.Cached, StepStatus.Cached, StepStatus.Done], outcomes.Select(o => o.Status));
        Assert.Equal("int a = 3;\n", File.ReadAllText(dir.Combine("build", "3.11", "src", "a.c")));
    }
}
