using System.Security.Cryptography;
using Wasipy.Errors;
using Wasipy.Caching;

namespace Wasipy.SharedCache;

/// <summary>
/// One more place a unit can be satisfied from: the local unit cache, then the remote one. A unit that succeeds
/// is stored by its address; a stale unit whose address is here is restored instead of run. Nothing here fails a
/// build: a problem is a line in the unit's log (and, for the remote cache, one warning, after which the run goes
/// on without it) and the unit is built.
/// </summary>
public sealed class UnitCache : IDisposable
{
    private readonly Action<string> _warn;
    private RemoteUnitStore? _remote;

    /// <summary>How the notes of a restore begin when the unit is cached, but only for another folder.</summary>
    public const string PinnedNote = "# cached for another folder only:";
    /// <summary>What <see cref="WhereAsync"/> says of a unit cached only for another folder.</summary>
    public const string Pinned = "pinned";

    public LocalUnitStore Local { get; }
    public bool RemoteReadOnly { get; }

    public UnitCache(CacheSettings settings, Action<string> warn, HttpClient? http = null)
    {
        Local = new LocalUnitStore(settings.Directory);
        RemoteReadOnly = settings.RemoteReadOnly;
        _warn = warn;
        if (settings.Remote is { } url) _remote = new RemoteUnitStore(url, settings.RemoteTimeout, settings.RemoteRetries, http);
    }

    /// <summary>"local", "remote URL", <see cref="Pinned"/> or null: where a restore of <paramref name="address"/> would come from (for `plan`).</summary>
    public async Task<string?> WhereAsync(string address, string root, CancellationToken cancellation)
    {
        foreach (var at in Addresses(address, root))
            if (Local.Entry(at) is { } entry && Usable(entry, root) && File.Exists(Local.BlobPath(entry.ArchiveSha256))) return "local";
        foreach (var at in Addresses(address, root))
            if (await RemoteAsync(r => r.EntryAsync(at, cancellation)) is { } remote && Usable(remote, root)) return $"remote {_remote?.Url}";
        return await PinnedElsewhereAsync(address, root) is null ? null : Pinned;
    }

    /// <summary>Restores the unit's outputs into <paramref name="scopes"/>; returns where from, or null (a miss, or a
    /// hit that could not be used: the unit is then built).</summary>
    public async Task<string?> RestoreAsync(string address, IReadOnlyList<CacheScope> scopes, string root, string staging,
                                            Action<string> log, CancellationToken cancellation)
    {
        var from = "local";
        UnitEntry? entry = null;
        string? blob = null;
        foreach (var at in Addresses(address, root))
            if (Local.Entry(at) is { } local && Usable(local, root) && Local.Blob(local.ArchiveSha256) is { } path)
            {
                (entry, blob) = (local, path);
                break;
            }
        if (blob is null && _remote is { } remote)
        {
            string? found = null;
            foreach (var at in Addresses(address, root))
                if (await RemoteAsync(r => r.EntryAsync(at, cancellation)) is { } candidate && Usable(candidate, root))
                {
                    (entry, found) = (candidate, at);
                    break;
                }
            if (entry is not null && found is not null)
            {
                var part = Local.TempPath();
                var fetched = await RemoteAsync(r => r.BlobAsync(entry.ArchiveSha256, entry.ArchiveSize, part, cancellation));
                if (fetched)
                {
                    Local.AddBlob(part, entry.ArchiveSha256);
                    Local.PutEntry(found, entry);
                    blob = Local.BlobPath(entry.ArchiveSha256);
                    from = $"remote {remote.Url}";
                }
                else
                {
                    if (File.Exists(part)) File.Delete(part);
                    if (_remote is not null)
                    {
                        log($"# the remote cache's cas/{entry.ArchiveSha256} is missing or has other bytes than that sha256: not used");
                        _warn($"wasipy: remote cache {remote.Url}: cas/{entry.ArchiveSha256} is missing or does not match its sha256; refused, building instead");
                    }
                }
            }
        }
        if (entry is null && await PinnedElsewhereAsync(address, root) is { } pinned)
        {
            log($"{PinnedNote} {pinned.PinnedRoot} ({pinned.PinnedBy} names that folder)");
            // The remote cache learns it too, so that other checkouts know the unit need not be built.
            if (Local.Blob(pinned.ArchiveSha256) is { } pinnedBlob) await ShareAsync(address, pinned, pinnedBlob, cancellation);
        }
        if (entry is null || blob is null) return null;
        try
        {
            string actual;
            using (var stream = File.OpenRead(blob)) actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation));
            if (actual != entry.ArchiveSha256)
            {
                File.Delete(blob);
                log($"# {blob} has sha256 {actual}, not {entry.ArchiveSha256}: removed from the cache, building instead");
                return null;
            }
            UnitArchive.Restore(blob, entry, scopes, root, staging, cancellation);
            log($"# restored from the {from} cache ({address}, {entry.ArchiveSize} bytes)");
            await ShareAsync(entry.PinnedRoot is null ? address : PinnedAddress(address, root), entry, blob, cancellation);
            return from;
        }
        catch (Exception e) when (e is WasipyException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            log($"# could not restore from the {from} cache: {e.Message}; building instead");
            return null;
        }
    }

    /// <summary>An entry for the unit that fits only another folder, if the local or remote cache has one.</summary>
    private async Task<UnitEntry?> PinnedElsewhereAsync(string address, string root)
    {
        if (Local.Entry(address) is { PinnedRoot: { } there } local && there != root) return local;
        return await RemoteAsync(r => r.EntryAsync(address, CancellationToken.None)) is { PinnedRoot: { } elsewhere } remote && elsewhere != root ? remote : null;
    }

    /// <summary>Where an entry may be: under the unit's address (outputs that fit any checkout), then under the address
    /// for this checkout's folder (outputs pinned to it: a binary file names the folder).</summary>
    private static IEnumerable<string> Addresses(string address, string root) => [address, PinnedAddress(address, root)];

    private static string PinnedAddress(string address, string root) => ContentHash.OfString($"{address}\npinned to:{root}");

    /// <summary>Stores what the unit produced (whole scopes, or what changed since <paramref name="before"/>).</summary>
    public async Task StoreAsync(string address, string unitTitle, IReadOnlyList<CacheScope> scopes, IReadOnlyList<ScopeState> before,
                                 string root, Action<string> log, CancellationToken cancellation, IReadOnlyList<string>? outputs = null)
    {
        var part = Local.TempPath();
        try
        {
            var written = UnitArchive.Write(part, unitTitle, scopes, before, root, cancellation, outputs);
            if (written.Refusal is { } why)
            {
                log($"# not cached: {why}");
                return;
            }
            var size = new FileInfo(part).Length;
            var sha = Local.AddBlob(part);
            var entry = new UnitEntry
            {
                Unit = unitTitle, ArchiveSha256 = sha, ArchiveSize = size, Created = DateTimeOffset.UtcNow,
                Scopes = scopes.Select(s => new ScopeRecord(Path.GetRelativePath(root, s.Path), s.Whole)).ToList(),
                Relocated = written.Relocated,
                PinnedRoot = written.PinnedBy is null ? null : root, PinnedBy = written.PinnedBy,
            };
            var at = entry.PinnedRoot is null ? address : PinnedAddress(address, root);
            Local.PutEntry(at, entry);
            // Under the unit's own address, a pinned entry only tells other folders that the unit builds (and that
            // its outputs would not fit them); it never replaces outputs that fit any folder.
            if (entry.PinnedRoot is not null && Local.Entry(address) is not { PinnedRoot: null }) Local.PutEntry(address, entry);
            log($"# stored in the local cache as {at} ({size} bytes{(entry.PinnedRoot is null ? "" : $"; only for this folder: {entry.PinnedBy} names it")})");
            await ShareAsync(at, entry, Local.BlobPath(sha), cancellation, known: false);
            if (entry.PinnedRoot is not null && _remote is not null && !RemoteReadOnly && await RemoteAsync(r => r.EntryAsync(address, cancellation)) is not { PinnedRoot: null })
                await RemoteAsync(async r => { await r.PutEntryAsync(address, entry, cancellation); return true; });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or WasipyException)
        {
            log($"# not cached: {e.Message}");
        }
        finally
        {
            if (File.Exists(part)) File.Delete(part);
        }
    }

    /// <summary>Puts an entry the remote cache lacks there too (unless it is read-only).</summary>
    private async Task ShareAsync(string address, UnitEntry entry, string blob, CancellationToken cancellation, bool known = true)
    {
        if (_remote is null || RemoteReadOnly) return;
        if (known && await RemoteAsync(r => r.HasEntryAsync(address, cancellation)) is not false) return;
        if (await RemoteAsync(async r => { await r.PutBlobAsync(entry.ArchiveSha256, blob, cancellation); return true; }))
            await RemoteAsync(async r => { await r.PutEntryAsync(address, entry, cancellation); return true; });
    }

    private static bool Usable(UnitEntry entry, string root) => entry.PinnedRoot is null || entry.PinnedRoot == root;

    /// <summary>A remote call; its first failure is one warning, and the remote cache is not used again in this run.</summary>
    private async Task<T?> RemoteAsync<T>(Func<RemoteUnitStore, Task<T>> call)
    {
        if (_remote is not { } remote) return default;
        try { return await call(remote); }
        catch (RemoteCacheException e)
        {
            _warn($"wasipy: remote cache {remote.Url} failed ({e.Message}); going on without it");
            _remote = null;
            remote.Dispose();
            return default;
        }
    }

    public void Dispose() => _remote?.Dispose();
}
