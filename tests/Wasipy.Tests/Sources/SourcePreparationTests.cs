using Wasipy.Errors;
using Wasipy.Processes;
using Wasipy.Sources;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Sources;

public class SourcePreparationTests
{
    private static async Task Sh(string command, string cwd)
    {
        var (exit, output) = await ShellRunner.CaptureAsync(command, cwd, CancellationToken.None);
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Extracting_drops_the_top_folder_and_keeps_executable_bits()
    {
        using var dir = new TempDir();
        dir.File("Python-3.11.2/configure", "#!/bin/sh\necho ok\n");
        dir.File("Python-3.11.2/Lib/os.py", "# os\n");
        await Sh("chmod 755 Python-3.11.2/configure && tar czf py.tgz Python-3.11.2", dir.Path);

        ArchiveExtractor.Extract(dir.Combine("py.tgz"), dir.Combine("out"));

        Assert.True(File.Exists(dir.Combine("out", "Lib", "os.py")));
        Assert.True(File.GetUnixFileMode(dir.Combine("out", "configure")).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.GetUnixFileMode(dir.Combine("out", "Lib", "os.py")).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public async Task Extracting_keeps_modification_times_so_autotools_does_not_regenerate()
    {
        using var dir = new TempDir();
        dir.File("xz-5.8.1/configure.ac", "AC_INIT");
        dir.File("xz-5.8.1/configure", "#!/bin/sh");
        await Sh("touch -d '2020-01-01 00:00:00Z' xz-5.8.1/configure.ac && touch -d '2021-06-01 00:00:00Z' xz-5.8.1/configure && tar cJf xz.tar.xz xz-5.8.1", dir.Path);

        ArchiveExtractor.Extract(dir.Combine("xz.tar.xz"), dir.Combine("out"));
        FileSystem.CopyTree(dir.Combine("out"), dir.Combine("copy"));

        foreach (var root in new[] { "out", "copy" })
        {
            Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(dir.Combine(root, "configure.ac")));
            Assert.Equal(new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(dir.Combine(root, "configure")));
        }
    }

    [Fact]
    public async Task Extracting_a_tar_xz_works_too()
    {
        using var dir = new TempDir();
        dir.File("Python-3.13.5/README.rst", "This is Python");
        await Sh("tar cJf py.tar.xz Python-3.13.5", dir.Path);

        ArchiveExtractor.Extract(dir.Combine("py.tar.xz"), dir.Combine("out"));

        Assert.Equal("This is Python", File.ReadAllText(dir.Combine("out", "README.rst")));
    }

    [Fact]
    public void Copying_a_local_checkout_leaves_the_checkout_untouched_and_skips_git()
    {
        using var dir = new TempDir();
        dir.File("checkout/configure", "x");
        dir.File("checkout/.git/HEAD", "ref");
        FileSystem.CopyTree(dir.Combine("checkout"), dir.Combine("copy"));
        File.WriteAllText(dir.Combine("copy", "configure"), "patched");

        Assert.Equal("x", File.ReadAllText(dir.Combine("checkout", "configure")));
        Assert.False(Directory.Exists(dir.Combine("copy", ".git")));
    }

    [Fact]
    public async Task A_patch_that_applies_changes_the_tree()
    {
        using var dir = new TempDir();
        dir.File("src/Modules/a.c", "int a = 1;\n");
        var patch = dir.File("fix.patch", "--- a/Modules/a.c\n+++ b/Modules/a.c\n@@ -1 +1 @@\n-int a = 1;\n+int a = 2;\n");
        using var log = new StepLog(dir.Combine("patch.log"));

        await PatchApplier.ApplyAsync([patch], dir.Combine("src"), log, CancellationToken.None);

        Assert.Equal("int a = 2;\n", File.ReadAllText(dir.Combine("src", "Modules", "a.c")));
    }

    [Fact]
    public async Task A_patch_that_does_not_apply_names_the_patch_and_the_file()
    {
        using var dir = new TempDir();
        dir.File("src/Modules/a.c", "int a = 5;\n");
        var patch = dir.File("fix.patch", "--- a/Modules/a.c\n+++ b/Modules/a.c\n@@ -1 +1 @@\n-int a = 1;\n+int a = 2;\n");
        using var log = new StepLog(dir.Combine("patch.log"));

        var e = await Assert.ThrowsAsync<StepFailedException>(() => PatchApplier.ApplyAsync([patch], dir.Combine("src"), log, CancellationToken.None));

        Assert.Contains("fix.patch does not apply", e.Message);
        Assert.Contains("Modules/a.c: hunk #1 failed at line 1", e.Message);
        Assert.Equal("int a = 5;\n", File.ReadAllText(dir.Combine("src", "Modules", "a.c")));
    }
}
