using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Sources;

namespace Wasipy.Verify;

/// <summary>One shipped file whose bytes differ between the build and its rebuild (a hash is null where the file is missing).</summary>
public sealed record FileDifference(string File, string? Built, string? Rebuilt);

/// <summary>What `wasipy verify` found: the files compared (with their sha256) and those that differ.</summary>
public sealed record VerifyResult(string DistDir, string RebuiltDistDir, IReadOnlyList<(string File, string Sha256)> Identical, IReadOnlyList<FileDifference> Differences)
{
    public bool Reproducible => Differences.Count == 0 && Identical.Count > 0;
}

/// <summary>
/// `wasipy verify`: the recipe is built as `run` would (from the cache), then again from nothing in a scratch copy
/// of the project in another folder, and what ships (dist/) is compared byte for byte. Sources come from the same
/// download cache (they are inputs, checked by sha256 or commit); nothing else is shared.
/// </summary>
public static class Reproducibility
{
    /// <summary>Files in dist/ that are not compared: they record the steps' keys, which name the build folder.</summary>
    public static readonly IReadOnlyList<string> NotCompared = ["MANIFEST.json", "SHA256SUMS"];

    /// <summary>Top-level project entries that are not copied: version control, caches, the engine and its tests.</summary>
    private static readonly IReadOnlyList<string> NotCopied = [".git", ".cache", "engine", "tests", "results", "bench"];

    /// <summary>Where the scratch copy of the project goes for this build.</summary>
    public static string ScratchRoot(BuildSession session) =>
        Path.Combine(session.Dirs.Project, ".cache", "verify", Path.GetFileName(session.Dirs.Build) + "-" + session.Stdlib);

    /// <summary>Copies the project's recipes and files (not its build folders or caches) into <paramref name="scratch"/>,
    /// with the download cache linked in, and returns the options that build the same thing there.</summary>
    public static BuildOptions PrepareScratch(BuildSession session, string scratch)
    {
        var root = session.Dirs.Project;
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        Directory.CreateDirectory(scratch);
        var outputs = new[] { session.Dirs.Build, session.Dirs.Libs, session.Dirs.Downloads }
            .Select(d => Path.GetRelativePath(root, d))
            .Where(r => !r.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(r))
            .Select(r => r.Split(Path.DirectorySeparatorChar)[0]);
        // One tree copy: a link in the project is copied as a link if it stays inside the project, else refused.
        SafeTree.Copy(root, scratch, skipTop: NotCopied.Concat(outputs).ToHashSet(), merge: true);
        // The same download cache (sources are inputs, checked by sha256 or commit), linked where the copy looks for it.
        var downloads = Path.GetRelativePath(root, session.Dirs.Downloads);
        if (!downloads.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(downloads))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(scratch, downloads))!);
            Directory.CreateDirectory(session.Dirs.Downloads);
            Directory.CreateSymbolicLink(Path.Combine(scratch, downloads), session.Dirs.Downloads);
        }
        string Moved(string path) => Path.GetRelativePath(root, Path.GetFullPath(path)) is var r && !r.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(r)
            ? Path.Combine(scratch, r) : Path.GetFullPath(path);
        var options = session.Options;
        return options with
        {
            RecipePath = Moved(options.RecipePath),
            ConfigPath = Moved(session.Config.FilePath),
            Mirrors = session.MirrorDirs,
        };
    }

    /// <summary>Compares every file of two dist/ folders but <see cref="NotCompared"/>.</summary>
    public static VerifyResult Compare(string built, string rebuilt)
    {
        if (!Directory.Exists(built)) throw new WasipyException($"{built} does not exist: the build produced nothing to compare");
        static IEnumerable<string> Files(string dir) => Directory.Exists(dir)
            ? SafeTree.Walk(dir).Where(e => e.Kind != FileKind.Directory).Select(e => e.Relative).Where(f => !NotCompared.Contains(f))
            : [];
        var identical = new List<(string, string)>();
        var differences = new List<FileDifference>();
        foreach (var file in Files(built).Union(Files(rebuilt)).Order(StringComparer.Ordinal))
        {
            string? Hash(string dir) => FileKinds.Of(Path.Combine(dir, file)) is var kind and not FileKind.Missing ? ContentHash.OfPath(Path.Combine(dir, file)) : null;
            var (a, b) = (Hash(built), Hash(rebuilt));
            if (a is not null && a == b) identical.Add((file, a));
            else differences.Add(new FileDifference(file, a, b));
        }
        return new VerifyResult(built, rebuilt, identical, differences);
    }
}
