using System.Security.Cryptography;
using System.Text;

namespace Wasipy.Caching;

/// <summary>SHA-256 of strings, files and whole folders (relative paths and contents; .git is skipped).</summary>
public static class ContentHash
{
    public static string OfString(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Hash of a regular file's bytes; a FIFO, device or folder is refused without opening it.</summary>
    public static string OfFile(string path)
    {
        Sources.FileKinds.RequireRegularFile(path, "file");
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Hash of a file or a folder; a missing path hashes as "missing" so that its later appearance changes the key.
    /// A link counts as its target's text (it is never followed, so a folder reached through links is never read);
    /// a FIFO or device is refused. Regular files hash as they always have: relative path, NUL, bytes, NUL.</summary>
    public static string OfPath(string path, CancellationToken cancellation = default)
    {
        switch (Sources.FileKinds.Of(path))
        {
            case Sources.FileKind.Missing: return "missing";
            case Sources.FileKind.SymbolicLink: return OfString("link:" + new FileInfo(path).LinkTarget);
            case Sources.FileKind.File: return OfFile(path);
            case Sources.FileKind.Special: throw Special(path);
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var gitFolder = Sources.FileKinds.Of(Path.Combine(path, ".git")) == Sources.FileKind.Directory;
        var entries = Sources.SafeTree.Walk(path, cancellation, rel => gitFolder && rel == ".git")
            .Where(e => e.Kind != Sources.FileKind.Directory)
            .OrderBy(e => e.Relative, StringComparer.Ordinal)
            .ToList();
        var buffer = new byte[1 << 16];
        foreach (var entry in entries)
        {
            cancellation.ThrowIfCancellationRequested();
            hash.AppendData(Encoding.UTF8.GetBytes(entry.Relative + "\0"));
            if (entry.Kind == Sources.FileKind.Special) throw Special(entry.FullPath);
            if (entry.Kind == Sources.FileKind.SymbolicLink)
            {
                hash.AppendData(Encoding.UTF8.GetBytes("link:" + entry.LinkTarget + "\0"));
                continue;
            }
            using var stream = File.OpenRead(entry.FullPath);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }
            hash.AppendData("\0"u8);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static Errors.WasipyException Special(string path) =>
        new($"{path} is a FIFO, socket or device, which wasipy does not read; remove it from the folder", 2);
}
