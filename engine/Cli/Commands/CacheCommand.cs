using System.CommandLine;
using System.Globalization;
using Wasipy.SharedCache;
using Wasipy.Errors;

namespace Wasipy.Cli.Commands;

/// <summary>`wasipy cache stats` and `wasipy cache prune --max-size SIZE`: the local unit cache.</summary>
public static class CacheCommand
{
    public static Command Create(CliContext c)
    {
        var config = new Option<string?>("--config") { Description = "wasipy.yaml whose cache.dir to use (default: found from the current folder upwards)" };
        var maxSize = new Option<string>("--max-size") { Description = "Keep at most this much (e.g. 20G, 500M, 1073741824); the least recently used outputs go first", Required = true };
        var stats = c.Command("stats", "Show the local unit cache's folder, entries and size", [config], (parse, _) =>
        {
            PrintStats(new LocalUnitStore(Directory(parse.GetValue(config))), c.Stdout);
            return Task.FromResult(0);
        });
        var prune = c.Command("prune", "Remove the least recently used outputs from the local unit cache until it fits --max-size", [config, maxSize], (parse, _) =>
        {
            var limit = ParseSize(parse.GetValue(maxSize)!);
            var store = new LocalUnitStore(Directory(parse.GetValue(config)));
            var (blobs, bytes, entries) = store.Prune(limit);
            c.Stdout.WriteLine($"wasipy: removed {blobs} output archive(s) ({FormatSize(bytes)}) and {entries} entr{(entries == 1 ? "y" : "ies")}");
            PrintStats(store, c.Stdout);
            return Task.FromResult(0);
        });
        return new Command("cache", "The local unit cache: stats, prune") { stats, prune };
    }

    /// <summary>The local cache folder: WASIPY_CACHE_DIR, else cache.dir of wasipy.yaml (given, or found from the current
    /// folder upwards, if any), else the user's cache folder.</summary>
    public static string Directory(string? configPath)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        var path = configPath ?? FindConfig(Environment.CurrentDirectory);
        var config = path is null ? null : Project.ProjectLoader.Load(path, Pipeline.Actions.ActionRegistry.Default.Signatures);
        return CacheSettings.DefaultDirectory(config?.Cache.Dir, config?.Root ?? "", environment);
    }

    private static string? FindConfig(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "wasipy.yaml"))) return Path.Combine(dir.FullName, "wasipy.yaml");
        return null;
    }

    public static void PrintStats(LocalUnitStore store, TextWriter output)
    {
        var stats = store.Measure();
        output.WriteLine($"unit cache: {store.Directory}");
        output.WriteLine($"  {stats.Entries} unit(s), {stats.Blobs} output archive(s), {FormatSize(stats.Bytes)}");
        if (stats.OldestUse is { } oldest && stats.NewestUse is { } newest)
            output.WriteLine($"  last used between {oldest:yyyy-MM-dd HH:mm} and {newest:yyyy-MM-dd HH:mm} UTC");
    }

    /// <summary>"20G", "500M", "64K", "1.5GiB" or a number of bytes.</summary>
    public static long ParseSize(string text)
    {
        var t = text.Trim();
        var units = new (string Suffix, long Factor)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1) };
        var (number, factor) = (t, 1L);
        foreach (var (suffix, f) in units)
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { (number, factor) = (t[..^suffix.Length].Trim(), f); break; }
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0 || value * factor > long.MaxValue)
            throw new WasipyException($"--max-size {text}: expected a size such as 20G, 500M, 64K or a number of bytes", 2);
        return (long)(value * factor);
    }

    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} bytes",
    };
}
