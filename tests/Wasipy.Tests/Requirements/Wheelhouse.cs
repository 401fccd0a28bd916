using System.IO.Compression;
using System.Text;

namespace Wasipy.Tests.Requirements;

/// <summary>Wheels the tests write themselves (zip files with the metadata pip reads), in a folder given to pip with
/// --no-index --find-links.</summary>
public static class Wheelhouse
{
    /// <summary>NAME-VERSION-TAG.whl with one module NAME.py (VALUE = VERSION) and the given dependencies.</summary>
    public static string Wheel(string folder, string name, string version, string[] requires, string tag = "py3-none-any",
        IReadOnlyDictionary<string, string>? extraEntries = null)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}-{version}-{tag}.whl");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string entry, string text)
        {
            using var writer = new StreamWriter(zip.CreateEntry(entry).Open(), new UTF8Encoding(false));
            writer.Write(text);
        }
        Add($"{name}.py", $"VALUE = '{version}'\n");
        foreach (var (entry, text) in extraEntries ?? new Dictionary<string, string>()) Add(entry, text);
        Add($"{name}-{version}.dist-info/METADATA", $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + string.Concat(requires.Select(r => $"Requires-Dist: {r}\n")));
        Add($"{name}-{version}.dist-info/WHEEL", $"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {(tag.EndsWith("none-any") ? "true" : "false")}\nTag: {tag}\n");
        Add($"{name}-{version}.dist-info/RECORD", "");
        return path;
    }

    /// <summary>A wheel with an entry whose unix mode is a symbolic link.</summary>
    public static string WheelWithLink(string folder, string name, string version)
    {
        var path = Wheel(folder, name, version, []);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.CreateEntry("escape");
        entry.ExternalAttributes = unchecked((int)(0xA1FFu << 16));
        using var writer = new StreamWriter(entry.Open());
        writer.Write("/etc/passwd");
        return path;
    }
}
