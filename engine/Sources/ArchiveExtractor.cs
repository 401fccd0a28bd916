using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;
using Wasipy.Errors;

namespace Wasipy.Sources;

/// <summary>
/// Unpacks an untrusted source archive (.tar.gz, .tar.xz, .tar.bz2, .tar, .zip) into a fresh folder, as strictly
/// as Python's tarfile `data` filter (PEP 706): no absolute names, no `..`, no link whose target leaves the
/// folder, no entry written through a link, no devices or FIFOs, no setuid/setgid bits, no group/other write.
/// Hard links become copies of the earlier entry. The single top-level folder (Python-3.11.2/) is dropped;
/// an archive without one keeps its top-level files. Modes and times are kept (autotools compares them).
/// </summary>
public static class ArchiveExtractor
{
    private const UnixFileMode Dropped = UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit |
                                         UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private enum Kind { File, Directory, SymbolicLink, HardLink, Other }

    private sealed record Entry(string Name, Kind Kind, UnixFileMode Mode, string Link, DateTimeOffset Modified, Func<Stream?> Open);

    /// <summary>Unpacks <paramref name="archive"/>; with <paramref name="acceptedSha256"/>, its hash is checked first.
    /// Returns the newest modification time among its entries (the source's date, for SOURCE_DATE_EPOCH).</summary>
    public static DateTimeOffset Extract(string archive, string destination, IReadOnlySet<string>? acceptedSha256 = null)
    {
        if (acceptedSha256 is not null)
        {
            using var stream = File.OpenRead(archive);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (!acceptedSha256.Contains(actual))
                throw new WasipyException($"{archive} has sha256 {actual}, not the one the recipe names; delete it from the download cache and run again");
        }
        // Two passes: the first only learns the names (to know whether there is one top folder to drop) and dates.
        var names = new List<string>();
        var newest = DateTimeOffset.UnixEpoch;
        Read(archive, e =>
        {
            names.Add(e.Name);
            if (e.Modified > newest) newest = e.Modified;
        });
        var strip = SingleTopFolder(names);
        FileSystem.RecreateDirectory(destination);
        var root = Path.GetFullPath(destination);
        var count = 0;
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        var relatives = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            Read(archive, e =>
            {
                var relative = strip ? e.Name[(e.Name.IndexOf('/') + 1)..] : e.Name;
                if (relative.Length == 0) return;
                relatives[relative] = e.Name;
                if (WriteEntry(archive, root, relative, e, written)) count++;
            });
            if (count == 0)
                throw new WasipyException($"{archive}: the archive holds no files; delete it from the download cache and run again");
            // A link that stayed inside when it was written may leave through a link written after it
            // (a -> b/../.., then b -> sub): with every link in place, each one is resolved again.
            if (SafeTree.FirstEscapingLink(root) is var (link, target))
                throw new WasipyException($"{archive}: entry '{relatives.GetValueOrDefault(link, link)}' is a link to '{target}', which leaves the folder it unpacks into " +
                                          "through the archive's other links; the archive is not safe to unpack");
        }
        catch
        {
            // Nothing half-unpacked, or unsafe, is left behind for a later step to use.
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            throw;
        }
        return newest;
    }

    private static bool WriteEntry(string archive, string root, string relative, Entry e, Dictionary<string, string> written)
    {
        var path = Path.GetFullPath(Path.Combine(root, relative));
        string Refuse(string why) => throw new WasipyException($"{archive}: entry '{e.Name}' {why}; the archive is not safe to unpack");
        if (!Inside(root, path)) Refuse($"would be written outside {root}");
        // Every folder on the way must be a real folder that this archive made, never a link it made.
        for (var dir = Path.GetDirectoryName(path)!; dir.Length > root.Length; dir = Path.GetDirectoryName(dir)!)
            if (new DirectoryInfo(dir).LinkTarget is not null || (File.Exists(dir) && new FileInfo(dir).LinkTarget is not null))
                Refuse($"would be written through the link {dir}");
        if (File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            if (e.Kind == Kind.Directory && Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null) return false;
            Refuse("replaces an entry written before it");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        switch (e.Kind)
        {
            case Kind.Directory:
                Directory.CreateDirectory(path);
                return false;
            case Kind.SymbolicLink:
                if (e.Link.StartsWith('/') || !Inside(root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, e.Link))))
                    Refuse($"is a link to '{e.Link}', outside the folder it unpacks into");
                File.CreateSymbolicLink(path, e.Link);
                return true;
            case Kind.HardLink:
                var target = NormalizeName(e.Link);
                if (target is null || !written.TryGetValue(target, out var source))
                    Refuse($"is a hard link to '{e.Link}', which is not a file earlier in the archive");
                File.Copy(written[target!], path);
                File.SetUnixFileMode(path, File.GetUnixFileMode(written[target!]));
                written[e.Name] = path;
                return true;
            case Kind.File:
                using (var output = File.Create(path))
                using (var data = e.Open())
                    if (data is not null) CopyData(archive, data, output);
                File.SetUnixFileMode(path, (e.Mode & ~Dropped) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.SetLastWriteTimeUtc(path, e.Modified.UtcDateTime);
                written[e.Name] = path;
                return true;
            default:
                Refuse("is a device, FIFO or other special file");
                return false;
        }
    }

    private static bool Inside(string root, string path) =>
        path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>"pkg-1.0/a.c" from "./pkg-1.0/a.c"; null for absolute names and names with "..".</summary>
    private static string? NormalizeName(string key)
    {
        var name = key.Replace('\\', '/');
        if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':')) return null;
        var parts = name.Split('/').Where(p => p is not ("" or ".")).ToList();
        return parts.Contains("..") ? null : string.Join('/', parts);
    }

    /// <summary>The newest modification time among the archive's entries (for SOURCE_DATE_EPOCH).</summary>
    public static DateTimeOffset NewestEntryTime(string archive)
    {
        var newest = DateTimeOffset.UnixEpoch;
        Read(archive, e => { if (e.Modified > newest) newest = e.Modified; });
        return newest;
    }

    private static bool SingleTopFolder(IReadOnlyList<string> names)
    {
        var tops = names.Select(n => n.Split('/')[0]).Distinct().ToList();
        return tops.Count == 1 && names.Any(n => n.Contains('/')) && names.All(n => n == tops[0] || n.StartsWith(tops[0] + "/", StringComparison.Ordinal));
    }

    /// <summary>Reads the archive's entries; a problem in the archive itself (not in <paramref name="visit"/>) is a
    /// corrupt archive, reported with what to do.</summary>
    private static void Read(string archive, Action<Entry> visit)
    {
        var visiting = false;
        try
        {
            ReadEntries(archive, e =>
            {
                visiting = true;
                visit(e);
                visiting = false;
            });
        }
        catch (Exception e) when (!visiting && IsCorruption(e))
        {
            throw Corrupt(archive, e);
        }
    }

    /// <summary>An entry's bytes into its file: a failure to read them is the archive's, one to write them is not.</summary>
    private static void CopyData(string archive, Stream data, Stream output)
    {
        var buffer = new byte[1 << 16];
        while (true)
        {
            int read;
            try { read = data.Read(buffer); }
            catch (Exception e) when (IsCorruption(e)) { throw Corrupt(archive, e); }
            if (read == 0) return;
            output.Write(buffer, 0, read);
        }
    }

    private static bool IsCorruption(Exception e) => e is not (WasipyException or OperationCanceledException or OutOfMemoryException
        or UnauthorizedAccessException or FileNotFoundException or DirectoryNotFoundException or PathTooLongException);

    /// <summary>A truncated or garbage archive, in user words (the .NET reason stays in the inner exception, for --verbose).</summary>
    private static WasipyException Corrupt(string archive, Exception e)
    {
        var why = e is EndOfStreamException || e.Message.Contains("end of", StringComparison.OrdinalIgnoreCase) ? "it ends early" : "it cannot be read as an archive";
        return new WasipyException($"{archive} is truncated or corrupt ({why}); delete it from the download cache and run again", 1, e);
    }

    private static void ReadEntries(string archive, Action<Entry> visit)
    {
        Sources.FileKinds.RequireRegularFile(archive, "archive");
        using var file = File.OpenRead(archive);
        Span<byte> magic = stackalloc byte[6];
        var read = file.Read(magic);
        file.Position = 0;
        if (read >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4)
        {
            ReadZip(archive, file, visit);
            return;
        }
        Stream tar = read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress)
            : read >= 6 && magic[..6].SequenceEqual(new byte[] { 0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0 }) ? new XZStream(file)
            : read >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h' ? BZip2Stream.Create(file, SharpCompress.Compressors.CompressionMode.Decompress, true, true, false)
            : file;
        using (tar)
        {
            using var reader = new TarReader(tar);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
                var name = NormalizeName(entry.Name)
                           ?? throw new WasipyException($"{archive}: entry '{entry.Name}' has an absolute name or '..'; the archive is not safe to unpack");
                var kind = entry.EntryType switch
                {
                    TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => Kind.File,
                    TarEntryType.Directory => Kind.Directory,
                    TarEntryType.SymbolicLink => Kind.SymbolicLink,
                    TarEntryType.HardLink => Kind.HardLink,
                    _ => Kind.Other,
                };
                if (name.Length == 0 && kind == Kind.Directory) continue;
                visit(new Entry(name, kind, entry.Mode, entry.LinkName, entry.ModificationTime, () => entry.DataStream));
            }
            // A gzip stream that was cut short ends without its trailer: reading on finds that out.
            tar.CopyTo(Stream.Null);
        }
    }

    private static void ReadZip(string archive, Stream file, Action<Entry> visit)
    {
        using var zip = new ZipArchive(file, ZipArchiveMode.Read);
        foreach (var entry in zip.Entries)
        {
            var name = NormalizeName(entry.FullName)
                       ?? throw new WasipyException($"{archive}: entry '{entry.FullName}' has an absolute name or '..'; the archive is not safe to unpack");
            var unixMode = (entry.ExternalAttributes >> 16) & 0xFFFF;
            var type = unixMode & 0xF000;
            var kind = entry.FullName.EndsWith('/') || type == 0x4000 ? Kind.Directory
                : type == 0xA000 ? Kind.SymbolicLink
                : type is 0 or 0x8000 ? Kind.File
                : Kind.Other;
            if (name.Length == 0) continue;
            var link = kind == Kind.SymbolicLink ? new StreamReader(entry.Open()).ReadToEnd() : "";
            // Archives made on Windows carry no unix mode: plain files then.
            var mode = unixMode == 0 ? (UnixFileMode)0b110_100_100 : (UnixFileMode)(unixMode & 0xFFF);
            visit(new Entry(name, kind, mode, link, entry.LastWriteTime, entry.Open));
        }
    }
}
