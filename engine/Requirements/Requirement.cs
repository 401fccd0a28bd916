using System.Text.RegularExpressions;

namespace Wasipy.Requirements;

/// <summary>One requirement in pip's syntax ("click>=8", "rich[jupyter]==13.0; python_version >= '3.8'") and where it
/// was written ("requirements.txt:3", "recipes/3.13.yaml: requirements[0]").</summary>
public sealed partial record Requirement(string Text, string Name, string Origin)
{
    /// <summary>PEP 503's normalised name: lower case, runs of -, _ and . as one -.</summary>
    public static string Normalize(string name) => Separators().Replace(name.ToLowerInvariant(), "-");

    /// <summary>The requirement, or why the text is not one (null when it is).</summary>
    public static (Requirement? Requirement, string? Problem) Parse(string text, string origin)
    {
        var line = text.Trim();
        if (line.StartsWith('-'))
            return (null, $"'{line}': pip options are not taken here; give index options with --index-url, --extra-index-url, --find-links, " +
                          "--no-index or wasipy.yaml's pip section, and list one requirement per line");
        if (line.Contains("://") || line.Contains(" @ ") || line.Contains('@') || line.StartsWith('.') || line.StartsWith('/'))
            return (null, $"'{line}': a direct reference (a url or a path) is not taken; put the wheel or sdist in a --find-links folder and name it (NAME==VERSION)");
        var match = Syntax().Match(line);
        if (!match.Success)
            return (null, $"'{line}' is not a requirement in pip's syntax; write NAME, NAME>=1.0, NAME[extra]==2.0 or NAME; python_version >= \"3.11\"");
        return (new Requirement(line, Normalize(match.Groups["name"].Value), origin), null);
    }

    /// <summary>The version when the requirement pins exactly one (NAME==1.2.3), else null.</summary>
    public string? Pinned => Syntax().Match(Text) is { Success: true } m && PinnedVersion().Match(m.Groups["spec"].Value.Trim()) is { Success: true } p ? p.Groups[1].Value : null;

    [GeneratedRegex("[-_.]+")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?<extras>\[\s*[A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*\s*\])?\s*(?<spec>\(?\s*(?:(?:===|==|!=|<=|>=|~=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*\)?)\s*(?:;\s*(?<marker>\S.*))?$")]
    private static partial Regex Syntax();

    [GeneratedRegex(@"^\(?\s*===?\s*([A-Za-z0-9.+!_-]+)\s*\)?$")]
    private static partial Regex PinnedVersion();
}
