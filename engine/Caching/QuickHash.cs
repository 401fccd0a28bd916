using System.IO.Hashing;
using System.Text;

namespace Wasipy.Caching;

/// <summary>
/// XXH128 of strings and files, for the names of local memo files that only need to tell contents apart (never to
/// resist someone crafting a collision: the build cache keys stay <see cref="ContentHash"/>'s SHA-256). It is
/// managed code: hashing with it does not load OpenSSL, which alone costs a python start-up's worth of time.
/// </summary>
public static class QuickHash
{
    public static string OfString(string text) => Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(text)));

    /// <summary>Hash of a regular file's bytes; a FIFO, device or folder is refused without opening it.</summary>
    public static string OfFile(string path)
    {
        Sources.FileKinds.RequireRegularFile(path, "file");
        using var stream = File.OpenRead(path);
        var hash = new XxHash128();
        hash.Append(stream);
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
