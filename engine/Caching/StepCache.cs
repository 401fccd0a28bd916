using System.Text.Json;

namespace Wasipy.Caching;

/// <summary>
/// Remembers which units finished with which key, as one stamp file per unit, next to the manifest of the key's
/// components (the current one and the one before it, for `why`). A stamp is removed before its unit runs and
/// written only when it succeeds, so a run killed in the middle resumes at that unit.
/// </summary>
public sealed class StepCache(string stampDirectory)
{
    public string StampDirectory { get; } = stampDirectory;

    private string StampPath(string unit) => Path.Combine(StampDirectory, unit + ".key");
    private string ManifestPath(string unit) => Path.Combine(StampDirectory, unit + ".manifest.json");
    private string PreviousManifestPath(string unit) => Path.Combine(StampDirectory, unit + ".previous.manifest.json");

    public bool IsFresh(string unit, CacheKey key, IEnumerable<string> outputs)
    {
        var stamp = StampPath(unit);
        return File.Exists(stamp)
               && File.ReadAllText(stamp).Trim() == key.Value
               && outputs.All(o => File.Exists(o) || Directory.Exists(o));
    }

    public void Invalidate(string unit)
    {
        var stamp = StampPath(unit);
        if (Directory.Exists(stamp))
            throw new Errors.WasipyException($"{stamp} is a folder, where wasipy keeps a stamp file; remove it and run again", 2);
        if (File.Exists(stamp)) File.Delete(stamp);
    }

    /// <summary>The components of the key the unit last finished with (empty when it never did).</summary>
    public IReadOnlyList<KeyComponent> LastManifest(string unit) => ReadManifest(ManifestPath(unit));

    /// <summary>The manifest before the last one (empty when the unit finished at most once).</summary>
    public IReadOnlyList<KeyComponent> PreviousManifest(string unit) => ReadManifest(PreviousManifestPath(unit));

    public void MarkDone(string unit, CacheKey key)
    {
        Directory.CreateDirectory(StampDirectory);
        var manifest = ManifestPath(unit);
        if (File.Exists(manifest)) File.Copy(manifest, PreviousManifestPath(unit), overwrite: true);
        WriteAtomically(manifest, JsonSerializer.Serialize(key.Components));
        WriteAtomically(StampPath(unit), key.Value + "\n");
    }

    private static IReadOnlyList<KeyComponent> ReadManifest(string path)
    {
        if (!File.Exists(path)) return [];
        try { return JsonSerializer.Deserialize<List<KeyComponent>>(File.ReadAllText(path)) ?? []; }
        catch (JsonException) { return []; }
    }

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
