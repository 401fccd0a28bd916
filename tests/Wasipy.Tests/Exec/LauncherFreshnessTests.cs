using Wasipy.Exec;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Exec;

public class LauncherFreshnessTests
{
    [Fact]
    public void The_launcher_is_fresh_until_a_file_it_was_built_from_changes_or_goes()
    {
        using var dir = new TempDir();
        var source = dir.File("src/Program.cs", "// v1");
        var other = dir.File("src/Other.cs", "// v1");
        var launcher = dir.Combine("launcher");
        Directory.CreateDirectory(launcher);
        File.WriteAllLines(Path.Combine(launcher, LauncherFreshness.SourcesFile), [source, other, dir.Combine("src")]);
        var built = DateTime.UtcNow;
        foreach (var path in new[] { source, other }) File.SetLastWriteTimeUtc(path, built.AddMinutes(-1));
        Directory.SetLastWriteTimeUtc(dir.Combine("src"), built.AddMinutes(-1));

        Assert.False(LauncherFreshness.IsFresh(launcher));   // never stamped: not published to the end
        File.WriteAllText(Path.Combine(launcher, LauncherFreshness.StampFile), "");
        File.SetLastWriteTimeUtc(Path.Combine(launcher, LauncherFreshness.StampFile), built);
        Assert.True(LauncherFreshness.IsFresh(launcher));
        File.SetLastWriteTimeUtc(other, built.AddSeconds(1));
        Assert.False(LauncherFreshness.IsFresh(launcher));
        File.SetLastWriteTimeUtc(other, built.AddMinutes(-1));
        File.Delete(source);
        Assert.False(LauncherFreshness.IsFresh(launcher));
    }
}
