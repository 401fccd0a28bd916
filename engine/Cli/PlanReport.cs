using System.Text.Json;
using Wasipy.Caching;
using Wasipy.Pipeline;

namespace Wasipy.Cli;

/// <summary>`wasipy plan` and `wasipy why`: what a run would do and what changed, from the units' key manifests.</summary>
public static class PlanReport
{
    private static string Status(UnitState s) => !s.Unit.Enabled ? "skipped" : s.Fresh ? "cached" : s.RestoreFrom == SharedCache.UnitCache.Pinned ? "deferred" : s.RestoreFrom is not null ? "restore" : "run";

    public static void Print(IReadOnlyList<UnitState> states, TextWriter output)
    {
        for (var i = 0; i < states.Count; i++)
        {
            var s = states[i];
            var reason = Status(s) == "run" ? $"  ({s.Reason})" : "";
            var status = Status(s) switch
            {
                "restore" => $"restored ({s.RestoreFrom})",
                "deferred" => "not needed (cached for another folder only; built if a later step runs)",
                var other => other,
            };
            output.WriteLine($"[{i + 1}/{states.Count}] {s.Unit.Title,-22} {status,-7}{reason}");
        }
        var toRun = states.Count(s => Status(s) == "run");
        var restore = states.Count(s => Status(s) == "restore");
        output.WriteLine(toRun + restore == 0 ? "wasipy: nothing to do; every step is cached"
            : $"wasipy: {toRun} step(s) would run" + (restore > 0 ? $", {restore} would be restored from the unit cache" : ""));
    }

    public static string Json(IReadOnlyList<UnitState> states) =>
        JsonSerializer.Serialize(states.Select(s => new
        {
            step = s.Unit.Title, id = s.Unit.Id, status = Status(s), reason = Status(s) == "run" ? s.Reason : null, key = s.Key.Value,
            address = s.Address, from = s.RestoreFrom == SharedCache.UnitCache.Pinned ? null : s.RestoreFrom,
        }), new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });

    public static void PrintWhy(BuildUnit unit, TextWriter output)
    {
        var cache = new StepCache(unit.StampDir);
        var (before, after) = (cache.PreviousManifest(unit.StampName), cache.LastManifest(unit.StampName));
        if (after.Count == 0)
        {
            output.WriteLine($"{unit.Title} has not been built yet");
            return;
        }
        if (before.Count == 0)
        {
            output.WriteLine($"{unit.Title} has been built once; there is no earlier build to compare with");
            return;
        }
        var changes = KeyDifference.Changes(before, after);
        if (changes.Count == 0)
        {
            output.WriteLine($"{unit.Title}: its last two builds had the same key (it re-ran because its outputs were missing or it failed before)");
            return;
        }
        output.WriteLine($"{unit.Title}: what changed between its last two builds");
        foreach (var change in changes)
        {
            output.WriteLine($"  {change.Label}:");
            var (old, now) = FirstDifferentLine(change.Before ?? "", change.After ?? "");
            output.WriteLine($"    - {(change.Before is null ? "(absent)" : old)}");
            output.WriteLine($"    + {(change.After is null ? "(absent)" : now)}");
        }
    }

    /// <summary>For long values (a command, a file), the first line that differs, shortened.</summary>
    private static (string Before, string After) FirstDifferentLine(string before, string after)
    {
        var (a, b) = (before.Split('\n'), after.Split('\n'));
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var (x, y) = (i < a.Length ? a[i] : "", i < b.Length ? b[i] : "");
            if (x != y) return (Shorten(x, y), Shorten(y, x));
        }
        return (Shorten(before, after), Shorten(after, before));
    }

    /// <summary>Keeps the part around the first character that differs, so a long command shows its change.</summary>
    private static string Shorten(string text, string other)
    {
        const int width = 160;
        if (text.Length <= width) return text;
        var at = 0;
        while (at < text.Length && at < other.Length && text[at] == other[at]) at++;
        var start = Math.Max(0, Math.Min(at - width / 2, text.Length - width));
        return (start > 0 ? "…" : "") + text.Substring(start, width) + (start + width < text.Length ? "…" : "");
    }
}
