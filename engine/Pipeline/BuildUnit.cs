using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Pipeline.Actions;

namespace Wasipy.Pipeline;

/// <summary>Where a unit's source comes from: an archive fetched into the download cache and unpacked into
/// <paramref name="Directory"/>, or a git commit checked out into the cache and copied there; then patched.
/// With neither, the folder starts empty.</summary>
public sealed record UnitSource(FetchRequest? Request, string Directory, IReadOnlyList<string> Patches)
{
    public GitSource? Git { get; init; }

    public static UnitSource From(Recipes.SourceSpec? spec, string directory, IReadOnlyList<string> patches) => spec switch
    {
        null => new UnitSource(null, directory, patches),
        { Git: { } git } => new UnitSource(null, directory, patches) { Git = new GitSource(git.Url, git.Commit, git.Submodules) },
        _ => new UnitSource(new FetchRequest(spec.Urls, spec.Sha256, spec.CacheFileName) { Size = spec.Size }, directory, patches),
    };
}

/// <summary>
/// One thing the engine builds and caches: a pipeline step, a C library or a package. Everything here is already
/// rendered; the executor turns it into a key, decides whether it is fresh, runs it, checks its outputs and stamps it.
/// </summary>
public sealed record BuildUnit
{
    /// <summary>Unique in a run ("configure", "lib/zlib"); what other units name in <see cref="Needs"/>.</summary>
    public required string Id { get; init; }
    /// <summary>Shown in progress lines and errors ("configure", "libraries: zlib").</summary>
    public required string Title { get; init; }
    /// <summary>Name of its stamp (and manifest) in <see cref="StampDir"/>.</summary>
    public required string StampName { get; init; }
    public required string StampDir { get; init; }
    public required string LogPath { get; init; }
    /// <summary>A folder other runs may build in too (the shared C library sysroot): locked while the unit runs.</summary>
    public string? LockDir { get; init; }
    /// <summary>False when the step's `when` rendered to "false": it is skipped.</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>An optional unit that fails is left out with a warning; the run goes on.</summary>
    public bool Optional { get; init; }
    /// <summary>Ids of the units whose keys go into this unit's key.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];
    public UnitSource? Source { get; init; }
    public IReadOnlyList<(string Path, string Content)> Files { get; init; } = [];
    public IReadOnlyList<string> Commands { get; init; } = [];
    public required string WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>Files or folders whose contents go into the key.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    public IReadOnlyList<string> Outputs { get; init; } = [];
    /// <summary>Commands whose output goes into the key (e.g. the compiler's --version).</summary>
    public IReadOnlyList<string> Fingerprint { get; init; } = [];
    /// <summary>A built-in action instead of (or, for libraries, beside) shell commands, with its parameters.</summary>
    public IBuiltinAction? Action { get; init; }
    public IReadOnlyDictionary<string, string> With { get; init; } = new Dictionary<string, string>();
    /// <summary>How the unit is retried when it fails (null: it runs once).</summary>
    public Project.RetrySpec? Retry { get; init; }
    /// <summary>Further key components, e.g. the hash of the recipe file a library comes from.</summary>
    public IReadOnlyList<KeyComponent> Data { get; init; } = [];
    /// <summary>Named lists the unit hands to the steps after it (a package's site folders, link arguments and
    /// modules); they come from what is in the key, and are not in it themselves.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Exports { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public string Require(string parameter) =>
        With.TryGetValue(parameter, out var value)
            ? value
            : throw new WasipyException($"step '{Title}' ({Action?.Name}) needs 'with: {{ {parameter}: ... }}' in wasipy.yaml", 2);
}
