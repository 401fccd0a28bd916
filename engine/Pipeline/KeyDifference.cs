using Wasipy.Caching;

namespace Wasipy.Pipeline;

/// <summary>What changed between two manifests of a unit's key, in words ("commands[1] changed", "needs configure changed").</summary>
public static class KeyDifference
{
    public sealed record Change(string Label, string? Before, string? After);

    public static IReadOnlyList<Change> Changes(IReadOnlyList<KeyComponent> before, IReadOnlyList<KeyComponent> after)
    {
        var old = before.GroupBy(c => c.Label).ToDictionary(g => g.Key, g => g.Last().Value);
        var now = after.GroupBy(c => c.Label).ToDictionary(g => g.Key, g => g.Last().Value);
        return after.Select(c => c.Label).Concat(before.Select(c => c.Label)).Distinct()
            .Where(label => old.GetValueOrDefault(label) != now.GetValueOrDefault(label))
            // "commands.count" only echoes an added or removed command, which is listed already.
            .Where(label => !label.EndsWith(".count", StringComparison.Ordinal))
            .Select(label => new Change(label, old.GetValueOrDefault(label), now.GetValueOrDefault(label)))
            .ToList();
    }

    /// <summary>One line: the changed components, the upstream ones last (they only say "something before it changed").</summary>
    public static string Describe(IReadOnlyList<KeyComponent> before, IReadOnlyList<KeyComponent> after)
    {
        var changes = Changes(before, after);
        if (changes.Count == 0) return "";
        var own = changes.Where(c => !c.Label.StartsWith("needs ", StringComparison.Ordinal)).Select(Word).ToList();
        var upstream = changes.Where(c => c.Label.StartsWith("needs ", StringComparison.Ordinal)).Select(c => c.Label["needs ".Length..]).ToList();
        var parts = own.Take(4).ToList();
        if (own.Count > 4) parts.Add($"{own.Count - 4} more");
        if (upstream.Count > 0) parts.Add($"{string.Join(", ", upstream)} changed before it");
        return string.Join("; ", parts);
    }

    private static string Word(Change c) =>
        c.Before is null ? $"{c.Label} added" : c.After is null ? $"{c.Label} removed" : $"{c.Label} changed{WordsChanged(c.Before, c.After)}";

    /// <summary>": a → b" for a command whose words changed (a configure flag), when only a few did.</summary>
    private static string WordsChanged(string before, string after)
    {
        var (old, now) = (before.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries), after.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        var removed = old.Except(now).ToList();
        var added = now.Except(old).ToList();
        if (removed.Count + added.Count is 0 or > 4 || removed.Concat(added).Any(w => w.Length > 60)) return "";
        return removed.Count == 0 ? $": added {string.Join(" ", added)}"
            : added.Count == 0 ? $": removed {string.Join(" ", removed)}"
            : $": {string.Join(" ", removed)} → {string.Join(" ", added)}";
    }
}
