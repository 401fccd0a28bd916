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

    /// <summary>Hash of a file or a folder; a missing path hashes as "missing" so that its later appearance changes the key.</summary>
    public static string OfPath(string path)
    {
        if (File.Exists(path)) return OfFile(path);
        if (!Directory.Exists(path)) return "missing";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(path, f).Replace('\\', '/'))
            .Where(rel => !rel.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var buffer = new byte[1 << 16];
        foreach (var rel in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(rel + "\0"));
            using var stream = File.OpenRead(Path.Combine(path, rel));
            int read;
            while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, read);
            hash.AppendData("\0"u8);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
