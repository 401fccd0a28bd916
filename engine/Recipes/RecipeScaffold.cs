using System.Text.RegularExpressions;
using Wasipy.Errors;

namespace Wasipy.Recipes;

/// <summary>
/// `wasipy new 3.16 --from 3.15`: a new recipe made from an existing one by replacing its version numbers.
/// Mirror urls that only serve the old version (apt-source://, #sha256=) are dropped and the sha256 is zeroed,
/// so the new recipe loads but cannot fetch anything until its real sha256 is filled in.
/// </summary>
public static partial class RecipeScaffold
{
    public static readonly string UnknownSha256 = new('0', 64);

    public static string Create(string fromPath, string version, string outputPath)
    {
        if (!VersionPattern().IsMatch(version))
            throw new WasipyException($"'{version}' is not a version like 3.16 or 3.16.0", 2);
        if (File.Exists(outputPath))
            throw new WasipyException($"{outputPath} exists already; delete it or pick another version (nothing was written)", 2);
        var old = RecipeLoader.Load(fromPath);
        var full = version.Count(c => c == '.') == 1 ? version + ".0" : version;
        var majorMinor = string.Join('.', full.Split('.').Take(2));

        var text = File.ReadAllText(fromPath);
        text = text.Replace(old.Version, full);
        text = Regex.Replace(text, Regex.Escape(old.MajorMinor) + @"(?![\d])", majorMinor);
        text = text.Replace("python" + old.MajorMinor.Replace(".", ""), "python" + majorMinor.Replace(".", ""));
        // python.org keeps a pre-release (3.16.0a1, 3.16.0rc2) in the folder of its final release: /ftp/python/3.16.0/.
        var release = PreRelease().Replace(full, "");
        text = text.Replace($"/ftp/python/{full}/", $"/ftp/python/{release}/");
        var lines = text.Split('\n').Where(l => !l.Contains("apt-source://") && !l.Contains("Debian's source archive")).ToList();
        // Patches: the new version has none of its own yet; keep the old version's, which lint then checks.
        var oldLines = File.ReadAllText(fromPath).Split('\n').Where(l => !l.Contains("apt-source://") && !l.Contains("Debian's source archive")).ToList();
        for (var i = 0; i < lines.Count && i < oldLines.Count; i++)
            if (PatchLine().Match(lines[i]) is { Success: true } m
                && !File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(fromPath))!, m.Groups[1].Value.Trim())))
                lines[i] = oldLines[i].TrimEnd() + $"   # from {Path.GetFileName(fromPath)}: check that it applies (wasipy lint)";
        lines = lines.Select(l => ShaLine().Replace(l, m => $"{m.Groups[1].Value}{UnknownSha256}  # TODO: the sha256 of the archive above, from python.org")).ToList();
        var title = lines.Count > 0 && lines[0].StartsWith("# yaml-language-server:", StringComparison.Ordinal) ? 1 : 0;
        if (lines.Count > title && lines[title].StartsWith('#'))
            lines[title] = $"# CPython {majorMinor} for wasm32-wasi. Scaffolded from {Path.GetFileName(fromPath)} by `wasipy new`: not built yet.";
        var result = string.Join('\n', lines);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        File.WriteAllText(outputPath, result);
        try
        {
            RecipeLoader.Load(outputPath);
        }
        catch (WasipyException e)
        {
            File.Delete(outputPath);
            throw new WasipyException($"the scaffolded recipe did not load, so it was not kept: {e.Message}", 1, e);
        }
        return outputPath;
    }

    [GeneratedRegex(@"^3\.\d+(\.\d+([abc]|rc)?\d*)?$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^\s*-\s+(\S+\.patch)\s*(#.*)?$")]
    private static partial Regex PatchLine();

    [GeneratedRegex(@"(a|b|rc)\d+$")]
    private static partial Regex PreRelease();

    [GeneratedRegex(@"^(\s*sha256:\s*)[0-9a-f]{64}.*$")]
    private static partial Regex ShaLine();
}
