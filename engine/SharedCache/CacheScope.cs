using Wasipy.Sources;

namespace Wasipy.SharedCache;

/// <summary>
/// One folder (or file) a unit's outputs live in, as the cache stores them. <see cref="Whole"/>: the unit's working
/// folder is in it (the unit owns it: make's build tree), so it is stored and restored as a whole; otherwise only
/// what the unit added or changed there is (the shared C library sysroot, the download cache, stage/ for install).
/// </summary>
public sealed record CacheScope(string Path, bool Whole)
{
    /// <summary>Folders a scope may never be: where wasipy keeps its stamps and logs.</summary>
    private static readonly HashSet<string> Reserved = [".wasipy", "logs"];

    /// <summary>
    /// The rule: for each declared output, the top-level entry that holds it under one of the
    /// <paramref name="bases"/> (the build folder, the C library folder, the download cache); whole when the working
    /// folder is inside it or it is the output itself. Null when the unit cannot be cached: it declares no output, or one outside every base or
    /// in a reserved folder.
    /// </summary>
    public static IReadOnlyList<CacheScope>? For(string workingDirectory, IEnumerable<string> outputs, IReadOnlyList<string> bases)
    {
        var scopes = new List<CacheScope>();
        foreach (var output in outputs.Select(o => System.IO.Path.GetFullPath(o)))
        {
            var home = bases.Select(System.IO.Path.GetFullPath).Where(b => SafeTree.IsInside(b, output) && b != output)
                .OrderByDescending(b => b.Length).FirstOrDefault();
            if (home is null) return null;
            var top = System.IO.Path.GetRelativePath(home, output).Split('/')[0];
            if (top is "." or ".." || Reserved.Contains(top)) return null;
            var path = System.IO.Path.Combine(home, top);
            // A scope that is the output itself (a file in the download cache) is always stored whole.
            var whole = path == output || SafeTree.IsInside(path, System.IO.Path.GetFullPath(workingDirectory));
            if (scopes.All(s => s.Path != path)) scopes.Add(new CacheScope(path, whole));
        }
        return scopes.Count == 0 ? null : scopes;
    }
}
