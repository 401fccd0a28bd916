namespace Wasipy.Exec;

/// <summary>Whether the `exec` launcher (launcher/, published by `./wasipy` into .cache/launcher) was built from the
/// sources as they are: none of the files it was built from (sources.txt, written when it was published) is newer
/// than its stamp (written just before publishing), and none is gone.</summary>
public static class LauncherFreshness
{
    public const string SourcesFile = "sources.txt", StampFile = "built";

    public static bool IsFresh(string launcherDir)
    {
        var stamp = new FileInfo(Path.Combine(launcherDir, StampFile));
        var sources = Path.Combine(launcherDir, SourcesFile);
        if (!stamp.Exists || !File.Exists(sources)) return false;
        var built = stamp.LastWriteTimeUtc;
        foreach (var source in File.ReadLines(sources))
        {
            if (source.Length == 0) continue;
            var time = Directory.Exists(source) ? Directory.GetLastWriteTimeUtc(source) : File.Exists(source) ? File.GetLastWriteTimeUtc(source) : DateTime.MaxValue;
            if (time > built) return false;   // changed, or gone
        }
        return true;
    }
}
