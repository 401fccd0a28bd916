using Wasipy.Errors;

namespace Wasipy.SharedCache;

/// <summary>The unit cache of one run, resolved from the command line, wasipy.yaml's `cache:` and the environment.</summary>
public sealed record CacheSettings
{
    public const string DirVariable = "WASIPY_CACHE_DIR";

    public required string Directory { get; init; }
    public Uri? Remote { get; init; }
    public bool RemoteReadOnly { get; init; }
    public TimeSpan RemoteTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public int RemoteRetries { get; init; } = 2;

    /// <summary>The folder: WASIPY_CACHE_DIR, else wasipy.yaml's cache.dir (relative to its folder), else
    /// $XDG_CACHE_HOME/wasipy/units, else ~/.cache/wasipy/units.</summary>
    public static string DefaultDirectory(string? configured, string configRoot, IReadOnlyDictionary<string, string> environment)
    {
        if (environment.TryGetValue(DirVariable, out var fromEnv) && fromEnv.Length > 0) return Path.GetFullPath(fromEnv);
        if (configured is { Length: > 0 }) return Path.GetFullPath(Path.Combine(configRoot, ExpandHome(configured, environment)));
        if (environment.TryGetValue("XDG_CACHE_HOME", out var xdg) && xdg.StartsWith('/')) return Path.Combine(xdg, "wasipy", "units");
        var home = environment.TryGetValue("HOME", out var h) && h.Length > 0 ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "wasipy", "units");
    }

    /// <summary>Null when the cache is off (`--no-cache`).</summary>
    public static CacheSettings? Resolve(Project.CacheSpec spec, string configRoot, CacheRequest request, IReadOnlyDictionary<string, string> environment)
    {
        if (request.Disabled) return null;
        var remote = request.RemoteUrl ?? spec.Remote;
        return new CacheSettings
        {
            Directory = DefaultDirectory(spec.Dir, configRoot, environment),
            Remote = remote is { Length: > 0 } ? ParseRemote(remote, request.RemoteUrl is null ? "cache.remote in wasipy.yaml" : "--remote-cache") : null,
            RemoteReadOnly = request.RemoteReadOnly || spec.RemoteReadOnly,
            RemoteTimeout = TimeSpan.FromSeconds(spec.RemoteTimeoutSeconds),
            RemoteRetries = spec.RemoteRetries,
        };
    }

    /// <summary>An http(s) url, ending in "/" so that ac/ and cas/ go under it.</summary>
    public static Uri ParseRemote(string url, string what)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw new WasipyException($"{what} {url}: expected an http:// or https:// url of a Bazel-protocol cache (e.g. http://127.0.0.1:8080/cache/)", 2);
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string ExpandHome(string path, IReadOnlyDictionary<string, string> environment) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? (environment.GetValueOrDefault("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)) + path[1..]
            : path;
}
