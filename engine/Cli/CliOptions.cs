using System.CommandLine;
using Wasipy.SharedCache;
using Wasipy.Pipeline;
using Wasipy.Wasm;

namespace Wasipy.Cli;

/// <summary>The arguments and options several commands share, made once per command line.</summary>
public sealed class CliOptions
{
    public Argument<string> Recipe { get; } = new("recipe") { Description = "A recipe file, e.g. recipes/3.11.yaml" };
    public Option<string?> Config { get; } = new("--config") { Description = "wasipy.yaml to use (default: found from the recipe's folder upwards)" };
    public Option<string?> Source { get; } = new("--source") { Description = "Build from this local CPython checkout instead of the recipe's archive (copied, never modified)" };
    public Option<string[]> Mirror { get; } = new("--mirror") { Description = "A folder holding pre-fetched source archives by file name (repeatable)", AllowMultipleArgumentsPerToken = false };
    public Option<int?> Jobs { get; } = new("--jobs", "-j") { Description = "Parallel make jobs (default: one per core)" };
    public Option<string?> Toolchain { get; } = new("--toolchain") { Description = "Toolchain from wasipy.yaml (default: wasi-sdk when WASI_SDK_PATH is set, else debian)" };
    public Option<string?> Link { get; } = new("--link") { Description = "How extension modules reach python.wasm: static (linked in, default) or dynamic (side modules loaded by the host's loader; its own build folder)" };
    public Option<string?> Stdlib { get; } = new("--stdlib") { Description = "How the standard library ships: packed (one file, default), packed-source, mapped or zip" };
    public Option<string> Runtime { get; } = new("--runtime") { Description = "The WASI host: wasmtime (in-process, default) or node (Node's node:wasi)", DefaultValueFactory = _ => WasiHosts.Wasmtime };
    public Option<bool> Snapshot { get; } = new("--snapshot") { Description = "A pre-initialised python.wasm (Wizer) that starts in milliseconds; where the recipe has snapshot.available" };
    public Option<string?> App { get; } = new("--app") { Description = "A folder of your Python code to put into python.wasm's site-packages" };
    public Option<string?> AppMain { get; } = new("--app-main") { Description = "The module python.wasm runs when given no arguments (-m semantics)" };
    public Option<string[]> With { get; } = new("--with") { Description = "Also build these packages into python.wasm (recipes/packages/NAME.yaml), e.g. --with jinja2,idna" };
    public Option<string?> Requirements { get; } = new("--requirements") { Description = "A requirements file in pip's syntax: pure-Python packages resolved by pip for this CPython, locked beside the file (FILE.lock.json) and installed into site-packages" };
    public Option<string?> IndexUrl { get; } = new("--index-url") { Description = "pip's --index-url for requirements (replaces wasipy.yaml's pip.index_url)" };
    public Option<string[]> ExtraIndexUrl { get; } = new("--extra-index-url") { Description = "pip's --extra-index-url for requirements (repeatable)" };
    public Option<string[]> FindLinks { get; } = new("--find-links") { Description = "pip's --find-links for requirements: a folder or url of wheels and sdists (repeatable)" };
    public Option<bool> NoIndex { get; } = new("--no-index") { Description = "pip's --no-index for requirements: only --find-links are searched" };
    public Option<bool> Verbose { get; } = new("--verbose") { Description = "On an unexpected error, print the whole trace", Recursive = true };
    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON for programs instead of lines for people" };
    public Option<string[]> Env { get; } = new("--env") { Description = "A variable for python: KEY=VALUE, or KEY for this shell's value; repeatable (nothing else of the host's environment is passed)" };
    public Option<string[]> EnvFile { get; } = new("--env-file") { Description = "A file of KEY=VALUE lines (# comments) for python's environment; repeatable" };
    public Option<bool> NoCache { get; } = new("--no-cache") { Description = "Do not use the shared unit cache (neither the local folder nor a remote cache)" };
    public Option<string?> RemoteCache { get; } = new("--remote-cache") { Description = "A Bazel HTTP remote cache url (GET/PUT ac/ and cas/ under it); overrides cache.remote in wasipy.yaml" };
    public Option<bool> RemoteCacheReadOnly { get; } = new("--remote-cache-read-only") { Description = "Only read from the remote cache, never write to it (for untrusted jobs)" };
    public Option<string> RecipesDir { get; } = new("--recipes") { Description = "The recipes folder", DefaultValueFactory = _ => "recipes" };

    public CliOptions()
    {
        Runtime.AcceptOnlyFromAmong([.. WasiHosts.Names]);
        Link.AcceptOnlyFromAmong([.. Recipes.Recipe.Links]);
        Jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is <= 0) r.AddError("--jobs must be 1 or more");
        });
    }

    /// <summary>The options that choose what is built (every command that builds or finds a build has them).</summary>
    public IEnumerable<Option> Build => [Config, Toolchain, Link, Stdlib, With, Snapshot, App, AppMain, Requirements, IndexUrl, ExtraIndexUrl, FindLinks, NoIndex];

    /// <summary>The options of the shared unit cache (every command that builds or plans has them).</summary>
    public IEnumerable<Option> Cache => [NoCache, RemoteCache, RemoteCacheReadOnly];

    /// <summary>What the parsed command line asks to build; options a command does not have are left at their defaults.</summary>
    public BuildOptions Read(ParseResult parse, Command command) => new()
    {
        AppDir = Has(command, App) ? parse.GetValue(App) : null,
        AppMain = Has(command, AppMain) ? parse.GetValue(AppMain) : null,
        Snapshot = Has(command, Snapshot) && parse.GetValue(Snapshot) ? true : null,
        With = Has(command, With) ? (parse.GetValue(With) ?? []).SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList() : [],
        RequirementsFile = Has(command, Requirements) ? parse.GetValue(Requirements) : null,
        Index = Has(command, IndexUrl) ? new Requirements.PipIndex
        {
            IndexUrl = parse.GetValue(IndexUrl),
            ExtraIndexUrls = parse.GetValue(ExtraIndexUrl) ?? [],
            FindLinks = parse.GetValue(FindLinks) ?? [],
            NoIndex = parse.GetValue(NoIndex),
        } : new(),
        RecipePath = parse.GetValue(Recipe)!,
        ConfigPath = parse.GetValue(Config),
        SourceDir = Has(command, Source) ? parse.GetValue(Source) : null,
        Mirrors = Has(command, Mirror) ? parse.GetValue(Mirror) ?? [] : [],
        Jobs = Has(command, Jobs) ? parse.GetValue(Jobs) : null,
        Toolchain = parse.GetValue(Toolchain),
        Link = Has(command, Link) ? parse.GetValue(Link) : null,
        StdlibMode = Has(command, Stdlib) ? parse.GetValue(Stdlib) : null,
        Cache = Has(command, NoCache) ? ReadCache(parse) : null,
    };

    private CacheRequest ReadCache(ParseResult parse) => new()
    {
        Disabled = parse.GetValue(NoCache),
        RemoteUrl = parse.GetValue(RemoteCache) is { } url ? CacheSettings.ParseRemote(url, "--remote-cache").AbsoluteUri : null,
        RemoteReadOnly = parse.GetValue(RemoteCacheReadOnly),
    };

    private static bool Has(Command command, Option option) => command.Options.Contains(option);
}
