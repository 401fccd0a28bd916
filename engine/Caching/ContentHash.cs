using System.Security.Cryptography;
using System.Text;

namespace Wasipy.Caching;

/// <summary>SHA-256 of strings, files and whole folders (relative paths and contents; .git is skipped).</summary>
public static class ContentHash
{
    public static string OfString(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Hash of a file or a folder; a missing path hashes as "missing" so that its later appearance changes the key.
    /// A link counts as its target's text (it is never followed); a FIFO or device is refused.</summary>
    public static string OfPath(string path)
    {
        switch (Sources.FileKinds.Of(path))
        {
            case Sources.FileKind.Missing: return "missing";
            case Sources.FileKind.SymbolicLink: return OfString("link:" + new FileInfo(path).LinkTarget);
            case Sources.FileKind.File: return OfFile(path);
            case Sources.FileKind.Special: throw Special(path);
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(path, f).Replace('\\', '/'))
            .Where(rel => !rel.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var buffer = new byte[1 << 16];
        foreach (var rel in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(rel + "\0"));
            var full = Path.Combine(path, rel);
            var kind = Sources.FileKinds.Of(full);
            if (kind == Sources.FileKind.Special) throw Special(full);
            if (kind == Sources.FileKind.SymbolicLink)
            {
                hash.AppendData(Encoding.UTF8.GetBytes("link:" + new FileInfo(full).LinkTarget + "\0"));
                continue;
            }
            using var stream = File.OpenRead(full);
            int read;
            while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, read);
            hash.AppendData("\0"u8);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static Errors.WasipyException Special(string path) =>
        new($"{path} is a FIFO, socket or device, which wasipy does not read; remove it from the folder", 2);
}
