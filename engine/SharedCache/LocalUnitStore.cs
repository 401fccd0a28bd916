using System.Security.Cryptography;

namespace Wasipy.SharedCache;

/// <summary>
/// The local unit cache, laid out as the remote one: ac/ADDRESS.json (a unit's entry) and cas/SHA256 (tar blobs,
/// named by their hash). Files appear by rename, so a reader never sees half of one; a blob's time is its last
/// use (stored or restored), which `cache prune` goes by.
/// </summary>
public sealed class LocalUnitStore(string directory)
{
    public string Directory { get; } = Path.GetFullPath(directory);
    private string Ac => Path.Combine(Directory, "ac");
    private string Cas => Path.Combine(Directory, "cas");

    public string EntryPath(string address) => Path.Combine(Ac, address + ".json");
    public string BlobPath(string sha256) => Path.Combine(Cas, sha256);

    public UnitEntry? Entry(string address)
    {
        var path = EntryPath(address);
        return File.Exists(path) ? UnitEntry.Parse(File.ReadAllText(path)) : null;
    }

    /// <summary>The blob's path when it is here (its use is remembered), else null.</summary>
    public string? Blob(string sha256)
    {
        var path = BlobPath(sha256);
        if (!File.Exists(path)) return null;
        try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return path;
    }

    /// <summary>A fresh temporary file inside the cache (same file system, so it can be renamed into place).</summary>
    public string TempPath()
    {
        var tmp = Path.Combine(Directory, "tmp");
        System.IO.Directory.CreateDirectory(tmp);
        return Path.Combine(tmp, $"{Environment.ProcessId}-{Guid.NewGuid():N}.part");
    }

    /// <summary>Moves a finished temporary file into cas/ under its sha256, which is computed here; returns it.</summary>
    public string AddBlob(string tempPath)
    {
        string sha;
        using (var stream = File.OpenRead(tempPath)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        AddBlob(tempPath, sha);
        return sha;
    }

    /// <summary>Moves a temporary file whose sha256 the caller has checked into cas/.</summary>
    public void AddBlob(string tempPath, string sha256)
    {
        System.IO.Directory.CreateDirectory(Cas);
        File.Move(tempPath, BlobPath(sha256), overwrite: true);
    }

    public void PutEntry(string address, UnitEntry entry)
    {
        System.IO.Directory.CreateDirectory(Ac);
        var tmp = TempPath();
        File.WriteAllText(tmp, entry.ToJson());
        File.Move(tmp, EntryPath(address), overwrite: true);
    }

    public sealed record Stats(int Entries, int Blobs, long Bytes, DateTime? OldestUse, DateTime? NewestUse);

    public Stats Measure()
    {
        var blobs = Files(Cas).ToList();
        return new Stats(Files(Ac).Count(f => f.Name.EndsWith(".json", StringComparison.Ordinal)), blobs.Count, blobs.Sum(b => b.Length),
            blobs.Count == 0 ? null : blobs.Min(b => b.LastWriteTimeUtc), blobs.Count == 0 ? null : blobs.Max(b => b.LastWriteTimeUtc));
    }

    /// <summary>Removes the least recently used blobs until the blobs take at most <paramref name="maxBytes"/>, then the
    /// entries whose blob is gone, and leftover temporary files; returns what was removed.</summary>
    public (int Blobs, long Bytes, int Entries) Prune(long maxBytes)
    {
        var (removed, freed) = (0, 0L);
        // A blob no entry names (its entry was removed, or a store died between the two) goes first; one younger than
        // an hour may be a store in progress and stays.
        var named = Files(Ac).Select(f => f.Name.EndsWith(".json", StringComparison.Ordinal) ? UnitEntry.Parse(File.ReadAllText(f.FullName))?.ArchiveSha256 : null)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in Files(Cas).Where(b => !named.Contains(b.Name) && b.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1)))
        {
            freed += orphan.Length;
            removed++;
            orphan.Delete();
        }
        var blobs = Files(Cas).OrderBy(b => b.LastWriteTimeUtc).ToList();
        var total = blobs.Sum(b => b.Length);
        foreach (var blob in blobs)
        {
            if (total <= maxBytes) break;
            var length = blob.Length;
            blob.Delete();
            total -= length;
            freed += length;
            removed++;
        }
        var entries = 0;
        foreach (var file in Files(Ac))
        {
            var entry = file.Name.EndsWith(".json", StringComparison.Ordinal) ? UnitEntry.Parse(File.ReadAllText(file.FullName)) : null;
            if (entry is not null && File.Exists(BlobPath(entry.ArchiveSha256))) continue;
            file.Delete();
            entries++;
        }
        foreach (var part in Files(Path.Combine(Directory, "tmp")).Where(f => f.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1)))
            part.Delete();
        return (removed, freed, entries);
    }

    private static IEnumerable<FileInfo> Files(string folder) =>
        System.IO.Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles() : [];
}
