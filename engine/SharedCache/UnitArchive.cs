using System.Formats.Tar;
using System.Text;
using Wasipy.Errors;
using Wasipy.Sources;

namespace Wasipy.SharedCache;

/// <summary>
/// A unit's outputs as one tar: scope i's entries under unit/s{i}/. Text files that name the project folder are
/// stored with a placeholder and given the new folder when restored; links into the project become relative.
/// Restoring unpacks through <see cref="ArchiveExtractor"/> (sha256 checked first; no absolute names, no "..", no
/// link out, no device) into a staging folder, then moves the files into the unit's own scopes, and nowhere else.
/// </summary>
public static class UnitArchive
{
    private const string Marker = ".wasipy-unit";

    public sealed record Written(IReadOnlyList<string> Relocated, string? PinnedBy, string? Refusal);

    /// <summary>Writes the tar of <paramref name="scopes"/>: whole scopes entirely, the others what changed since
    /// <paramref name="before"/>. <see cref="Written.Refusal"/> says why the outputs cannot be cached (a link out of
    /// the project, a FIFO), and nothing should be stored then.</summary>
    /// <remarks>A declared output that is a folder inside a scope that is not whole belongs to the unit as a whole (the
    /// packages step's site-packages): it is stored entirely and named in <c>owned-sN</c>, and a restore replaces it, so
    /// that nothing another run put there (another package set) is left in it.</remarks>
    public static Written Write(string tarPath, string unitTitle, IReadOnlyList<CacheScope> scopes, IReadOnlyList<ScopeState> before,
                                string root, CancellationToken cancellation, IReadOnlyList<string>? outputs = null)
    {
        var relocated = new List<string>();
        string? pinnedBy = null;
        using var file = File.Create(tarPath);
        using var writer = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: false);
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"unit/{Marker}")
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(unitTitle + "\n")), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        for (var i = 0; i < scopes.Count; i++)
        {
            var scope = scopes[i];
            var after = ScopeState.Of(scope.Path, cancellation);
            var owned = scope.Whole ? [] : OwnedFolders(scope.Path, outputs ?? []);
            bool InOwned(string relative) => owned.Any(o => relative == o || relative.StartsWith(o + "/", StringComparison.Ordinal));
            var names = scope.Whole ? after.Items.Keys.Order(StringComparer.Ordinal).ToList()
                : after.ChangedSince(before[i]).Union(after.Items.Keys.Where(InOwned)).Order(StringComparer.Ordinal).ToList();
            if (owned.Count > 0)
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"unit/{OwnedList(i)}")
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', owned) + "\n")), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            foreach (var relative in names)
            {
                cancellation.ThrowIfCancellationRequested();
                var item = after.Items[relative];
                var full = relative.Length == 0 ? scope.Path : Path.Combine(scope.Path, relative);
                var name = relative.Length == 0 ? $"unit/s{i}" : $"unit/s{i}/{relative}";
                switch (item.Kind)
                {
                    case FileKind.Directory:
                        writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name)
                        {
                            Mode = File.GetUnixFileMode(full), ModificationTime = File.GetLastWriteTimeUtc(full),
                        });
                        break;
                    case FileKind.SymbolicLink:
                        var target = item.Link!;
                        if (target.StartsWith('/'))
                        {
                            // A link into the project is made relative, so that it points into the new checkout.
                            if (!SafeTree.IsInside(root, Path.GetFullPath(target)))
                                return new Written([], null, $"{full} is a link to '{target}', outside the project");
                            target = Path.GetRelativePath(Path.GetDirectoryName(full)!, target);
                        }
                        writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch });
                        break;
                    case FileKind.File:
                        var bytes = File.ReadAllBytes(full);
                        if (Relocation.Find(bytes, root) >= 0)
                        {
                            if (bytes.AsSpan().Contains((byte)0)) pinnedBy ??= Path.GetRelativePath(root, full);
                            else
                            {
                                bytes = Relocation.ToToken(bytes, root);
                                relocated.Add(name["unit/".Length..]);
                            }
                        }
                        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                        {
                            DataStream = new MemoryStream(bytes), Mode = File.GetUnixFileMode(full), ModificationTime = File.GetLastWriteTimeUtc(full),
                        });
                        break;
                    default:
                        return new Written([], null, $"{full} is a FIFO, socket or device");
                }
            }
        }
        return new Written(relocated, pinnedBy, null);
    }

    /// <summary>Unpacks <paramref name="tarPath"/> (its sha256 checked against the entry's first) and puts its files
    /// into <paramref name="scopes"/>, which must be the ones the entry names; a whole scope is replaced.</summary>
    public static void Restore(string tarPath, UnitEntry entry, IReadOnlyList<CacheScope> scopes, string root, string staging, CancellationToken cancellation)
    {
        if (entry.Scopes.Count != scopes.Count || entry.Scopes.Where((s, i) => s.Path != Path.GetRelativePath(root, scopes[i].Path) || s.Whole != scopes[i].Whole).Any())
            throw new WasipyException($"the cached outputs are for other folders ({string.Join(", ", entry.Scopes.Select(s => s.Path))}) than this unit's");
        foreach (var scope in scopes)
            if (SafeTree.RealPath(scope.Path) != scope.Path || !SafeTree.IsInside(root, scope.Path))
                throw new WasipyException($"{scope.Path} is reached through a link; wasipy restores cached outputs only into the unit's own folders");
        try
        {
            ArchiveExtractor.Extract(tarPath, staging, new HashSet<string> { entry.ArchiveSha256 });
            foreach (var name in entry.Relocated)
            {
                var path = Path.GetFullPath(Path.Combine(staging, name));
                if (!SafeTree.IsInside(staging, path) || FileKinds.Of(path) != FileKind.File)
                    throw new WasipyException($"the cached outputs name '{name}' to relocate, which is not a file they hold");
                var time = File.GetLastWriteTimeUtc(path);
                File.WriteAllBytes(path, Relocation.FromToken(File.ReadAllBytes(path), root));
                File.SetLastWriteTimeUtc(path, time);
            }
            for (var i = 0; i < scopes.Count; i++)
            {
                var from = Path.Combine(staging, $"s{i}");
                var to = scopes[i].Path;
                if (scopes[i].Whole) Remove(to);
                else
                    foreach (var owned in Owned(staging, i))
                        Remove(Path.Combine(to, owned));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                switch (FileKinds.Of(from))
                {
                    case FileKind.Missing:
                        break;
                    case FileKind.Directory when FileKinds.Of(to) == FileKind.Missing:
                        Directory.Move(from, to);
                        break;
                    case FileKind.Directory:
                        MergeMove(from, to, cancellation);
                        break;
                    default:
                        Remove(to);
                        File.Move(from, to);
                        break;
                }
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Moves a staged tree into an existing folder: what is there gives way (a link is removed, never
    /// written through), parents before children.</summary>
    private static void MergeMove(string from, string to, CancellationToken cancellation)
    {
        foreach (var entry in SafeTree.Walk(from, cancellation).OrderBy(e => e.Relative, StringComparer.Ordinal).ToList())
        {
            var target = Path.Combine(to, entry.Relative);
            var existing = FileKinds.Of(target);
            if (entry.Kind == FileKind.Directory)
            {
                if (existing != FileKind.Directory) { Remove(target); Directory.CreateDirectory(target); }
                continue;
            }
            Remove(target);
            File.Move(entry.FullPath, target);
        }
    }

    private static string OwnedList(int scope) => $"owned-s{scope}";

    /// <summary>The declared outputs that are folders (not links) strictly inside <paramref name="scope"/>, relative to it.</summary>
    private static List<string> OwnedFolders(string scope, IReadOnlyList<string> outputs) =>
        outputs.Select(Path.GetFullPath).Where(o => o != scope && SafeTree.IsInside(scope, o) && FileKinds.Of(o) == FileKind.Directory)
            .Select(o => Path.GetRelativePath(scope, o)).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The owned folders a stored entry names for scope <paramref name="i"/>: each a relative path that stays inside.</summary>
    private static IEnumerable<string> Owned(string staging, int i)
    {
        var list = Path.Combine(staging, OwnedList(i));
        if (FileKinds.Of(list) != FileKind.File) return [];
        var names = File.ReadAllLines(list).Where(l => l.Length > 0).ToList();
        foreach (var name in names)
            if (name.StartsWith('/') || name.Split('/').Any(p => p is ".." or "." or ""))
                throw new WasipyException($"the cached outputs name '{name}' as a folder of theirs, which is not a path inside the unit's folder");
        return names;
    }

    private static void Remove(string path)
    {
        switch (FileKinds.Of(path))
        {
            case FileKind.Missing: return;
            case FileKind.Directory: Directory.Delete(path, recursive: true); return;
            default: File.Delete(path); return;
        }
    }
}
