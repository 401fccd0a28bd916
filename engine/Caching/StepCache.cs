namespace Wasipy.Caching;

/// <summary>
/// Remembers which steps finished with which key, as one stamp file per step. A stamp is removed before its
/// step runs and written only when it succeeds, so a run killed in the middle resumes at that step.
/// </summary>
public sealed class StepCache(string stampDirectory)
{
    public string StampDirectory { get; } = stampDirectory;

    private string StampPath(string step) => Path.Combine(StampDirectory, step + ".key");

    public bool IsFresh(string step, CacheKey key, IEnumerable<string> outputs)
    {
        var stamp = StampPath(step);
        return File.Exists(stamp)
               && File.ReadAllText(stamp).Trim() == key.Value
               && outputs.All(o => File.Exists(o) || Directory.Exists(o));
    }

    public void Invalidate(string step)
    {
        var stamp = StampPath(step);
        if (File.Exists(stamp)) File.Delete(stamp);
    }

    public void MarkDone(string step, CacheKey key)
    {
        Directory.CreateDirectory(StampDirectory);
        var stamp = StampPath(step);
        var tmp = stamp + ".tmp";
        File.WriteAllText(tmp, key.Value + "\n");
        File.Move(tmp, stamp, overwrite: true);
    }
}
