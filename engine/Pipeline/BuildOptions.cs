namespace Wasipy.Pipeline;

/// <summary>What the user asked for on the command line.</summary>
public sealed record BuildOptions
{
    public required string RecipePath { get; init; }
    /// <summary>wasipy.yaml; found from the recipe's folder upwards when not given.</summary>
    public string? ConfigPath { get; init; }
    /// <summary>A local CPython checkout used instead of the recipe's archive (copied, never modified).</summary>
    public string? SourceDir { get; init; }
    /// <summary>Extra folders searched by file name for pre-fetched source archives.</summary>
    public IReadOnlyList<string> Mirrors { get; init; } = [];
    public int? Jobs { get; init; }
    public string? Toolchain { get; init; }
    /// <summary>`--link dynamic`: python.wasm as a main module loading side modules (overrides the recipe's link).</summary>
    public string? Link { get; init; }
    /// <summary>packed, packed-source, mapped or zip; overrides the recipe's stdlib.mode.</summary>
    public string? StdlibMode { get; init; }
    /// <summary>Environment seen by templates (env.X) and by the steps; defaults to the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
    /// <summary>Build a Wizer snapshot (true), or not (false); null: as the recipe says.</summary>
    public bool? Snapshot { get; init; }
    /// <summary>A folder of the user's Python code for the image (overrides the recipe's app.dir).</summary>
    public string? AppDir { get; init; }
    /// <summary>The module python.wasm runs with no arguments (overrides the recipe's app.main).</summary>
    public string? AppMain { get; init; }
    /// <summary>Packages added for this build (`--with`), by name: recipes/packages/NAME.yaml.</summary>
    public IReadOnlyList<string> With { get; init; } = [];
    /// <summary>The shared unit cache (`--no-cache`, `--remote-cache`); null: none (the default for callers other than the command line).</summary>
    public SharedCache.CacheRequest? Cache { get; init; }
    /// <summary>A requirements file in pip's syntax (`--requirements FILE`), added to the recipe's requirements.</summary>
    public string? RequirementsFile { get; init; }
    /// <summary>pip's index options from the command line; they replace wasipy.yaml's pip.index_url and add to its lists.</summary>
    public Requirements.PipIndex Index { get; init; } = new();
    /// <summary>The built-in actions steps may use (default: <see cref="Actions.ActionRegistry.Default"/>).</summary>
    public Actions.ActionRegistry? Actions { get; init; }
}
