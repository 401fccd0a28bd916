using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Wasipy.Requirements;

/// <summary>
/// A wheel (PEP 427) of a package built here: its files under their site-packages paths, then NAME-VERSION.dist-info
/// with METADATA, WHEEL and RECORD (every file's sha256 and size). Entries are sorted and dated 1980-01-01, so the same
/// files make the same bytes. The platform tag is what python.wasm's own sysconfig.get_platform() says on WASI
/// ("wasi-0.0.0-wasm32"), as packaging turns it into a tag: wasi_0_0_0_wasm32.
/// </summary>
public static partial class WheelWriter
{
    public const string PlatformTag = "wasi_0_0_0_wasm32";

    /// <summary>cpXY for CPython X.Y.</summary>
    public static string PythonTag(string majorMinor) => "cp" + majorMinor.Replace(".", "");

    /// <summary>The tag of side modules built for CPython X.Y: cpXY-cpXY-wasi_0_0_0_wasm32.</summary>
    public static string Tag(string majorMinor) => $"{PythonTag(majorMinor)}-{PythonTag(majorMinor)}-{PlatformTag}";

    /// <summary>The wheel's file name, escaped as PEP 427 says: in the name runs of '-', '_', '.' become one '_', in the
    /// version '-' becomes '_'.</summary>
    public static string FileName(string name, string version, string tag) => $"{Stem(name, version)}-{tag}.whl";

    private static string Stem(string name, string version) => $"{Separators().Replace(name, "_")}-{version.Replace('-', '_')}";

    /// <summary>Writes FOLDER/FileName from (entry name, file) pairs; returns its path.</summary>
    public static string Write(string folder, string name, string version, string tag, IEnumerable<(string Entry, string File)> files)
    {
        var distInfo = $"{Stem(name, version)}.dist-info";
        var entries = files.Select(f => (f.Entry, Bytes: File.ReadAllBytes(f.File))).OrderBy(f => f.Entry, StringComparer.Ordinal).ToList();
        if (entries.Select(e => e.Entry).Distinct(StringComparer.Ordinal).Count() != entries.Count)
            throw new ArgumentException($"{name}'s wheel would hold one file twice");
        var utf8 = new UTF8Encoding(false);
        entries.Add(($"{distInfo}/METADATA", utf8.GetBytes($"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")));
        entries.Add(($"{distInfo}/WHEEL", utf8.GetBytes($"Wheel-Version: 1.0\nGenerator: wasipy\nRoot-Is-Purelib: false\nTag: {tag}\n")));
        var record = new StringBuilder();
        foreach (var (entry, bytes) in entries)
            record.Append($"{entry},sha256={Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_')},{bytes.Length}\n");
        record.Append($"{distInfo}/RECORD,,\n");
        entries.Add(($"{distInfo}/RECORD", utf8.GetBytes(record.ToString())));

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName(name, version, tag));
        var partial = path + ".partial";
        using (var zip = ZipFile.Open(partial, ZipArchiveMode.Create))
            foreach (var (entry, bytes) in entries)
            {
                var item = zip.CreateEntry(entry, CompressionLevel.Optimal);
                item.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
                item.ExternalAttributes = (0x8000 | 0b110_100_100) << 16;   // a regular file, rw-r--r--
                using var stream = item.Open();
                stream.Write(bytes);
            }
        File.Move(partial, path, overwrite: true);
        return path;
    }

    [GeneratedRegex("[-_.]+")]
    private static partial Regex Separators();
}
