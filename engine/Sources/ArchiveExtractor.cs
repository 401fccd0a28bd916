using SharpCompress.Common.Tar;
using SharpCompress.Readers;
using Wasipy.Errors;

namespace Wasipy.Sources;

/// <summary>
/// Unpacks a source archive (.tgz, .tar.gz, .tar.xz, .tar.bz2, .zip) into a fresh folder, dropping the single
/// top-level folder (Python-3.11.2/), keeping executable bits and symbolic links.
/// </summary>
public static class ArchiveExtractor
{
    public static void Extract(string archive, string destination)
    {
        FileSystem.RecreateDirectory(destination);
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        using var stream = File.OpenRead(archive);
        using var reader = ReaderFactory.OpenReader(stream);
        var count = 0;
        while (reader.MoveToNextEntry())
        {
            var entry = reader.Entry;
            var relative = StripTopFolder(entry.Key ?? "");
            if (relative.Length == 0) continue;
            var path = Path.GetFullPath(Path.Combine(destination, relative));
            if (!path.StartsWith(root, StringComparison.Ordinal))
                throw new WasipyException($"{archive}: entry '{entry.Key}' would be written outside {destination}; the archive is not safe to unpack");
            if (entry.IsDirectory)
            {
                Directory.CreateDirectory(path);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!string.IsNullOrEmpty(entry.LinkTarget))
            {
                File.CreateSymbolicLink(path, entry.LinkTarget);
                continue;
            }
            using (var output = File.Create(path))
                reader.WriteEntryTo(output);
            if (entry is TarEntry tar && (tar.Mode & 0b001_001_001) != 0)
                File.SetUnixFileMode(path, (UnixFileMode)(tar.Mode & 0x1FF));
            // Keep timestamps: autotools projects regenerate configure (and need automake) when configure.ac looks newer.
            if (entry.LastModifiedTime is { } modified)
                File.SetLastWriteTimeUtc(path, modified.ToUniversalTime());
            count++;
        }
        if (count == 0)
            throw new WasipyException($"{archive}: the archive holds no files; delete it from the download cache and run again");
    }

    private static string StripTopFolder(string key)
    {
        var trimmed = key.Replace('\\', '/').TrimStart('/');
        if (trimmed.StartsWith("./", StringComparison.Ordinal)) trimmed = trimmed[2..];
        var slash = trimmed.IndexOf('/');
        return slash < 0 ? "" : trimmed[(slash + 1)..];
    }
}
