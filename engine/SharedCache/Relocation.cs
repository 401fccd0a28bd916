using System.Text;

namespace Wasipy.SharedCache;

/// <summary>
/// The project folder's path, made a placeholder and back: what lets a unit built in one checkout be restored in
/// another. A path counts only where it ends (the next character is not part of a file name), so /w/p is not found
/// inside /w/p2.
/// </summary>
public static class Relocation
{
    public const string Token = "@WASIPY_PROJECT_ROOT@";

    public static string ToToken(string text, string root) => Replace(text, root, Token);

    public static string FromToken(string text, string root) => Replace(text, Token, root);

    private static string Replace(string text, string from, string to)
    {
        if (from.Length == 0 || !text.Contains(from, StringComparison.Ordinal)) return text;
        var result = new StringBuilder(text.Length);
        var at = 0;
        while (true)
        {
            var found = text.IndexOf(from, at, StringComparison.Ordinal);
            if (found < 0) break;
            var end = found + from.Length;
            result.Append(text, at, found - at).Append(end < text.Length && IsNameChar(text[end]) ? from : to);
            at = end;
        }
        return result.Append(text, at, text.Length - at).ToString();
    }

    public static byte[] ToToken(byte[] bytes, string root) => Replace(bytes, root, Token);

    public static byte[] FromToken(byte[] bytes, string root) => Replace(bytes, Token, root);

    private static byte[] Replace(byte[] bytes, string from, string to)
    {
        var (needle, with) = (Encoding.UTF8.GetBytes(from), Encoding.UTF8.GetBytes(to));
        if (needle.Length == 0 || bytes.AsSpan().IndexOf(needle) < 0) return bytes;
        var result = new MemoryStream(bytes.Length + 64);
        var at = 0;
        while (true)
        {
            var found = bytes.AsSpan(at).IndexOf(needle);
            if (found < 0) break;
            found += at;
            var end = found + needle.Length;
            result.Write(bytes, at, found - at);
            result.Write(end < bytes.Length && IsNameChar((char)bytes[end]) ? needle : with);
            at = end;
        }
        result.Write(bytes, at, bytes.Length - at);
        return result.ToArray();
    }

    /// <summary>Where <paramref name="path"/> occurs in <paramref name="bytes"/> as a whole path (or -1).</summary>
    public static int Find(ReadOnlySpan<byte> bytes, string path)
    {
        var needle = Encoding.UTF8.GetBytes(path);
        var offset = 0;
        while (true)
        {
            var found = bytes[offset..].IndexOf(needle);
            if (found < 0) return -1;
            var end = offset + found + needle.Length;
            if (end >= bytes.Length || !IsNameChar((char)bytes[end])) return offset + found;
            offset += found + 1;
        }
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '~';
}
