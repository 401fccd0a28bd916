namespace Wasipy.Project;

/// <summary>wasipy.yaml: project defaults, toolchains and the pipeline.</summary>
public sealed record ProjectConfig
{
    public required DirectoriesSpec Directories { get; init; }
    /// <summary>Guest path CPython is configured with (--prefix) and where the stdlib is mapped at run time.</summary>
    public required string InstallPrefix { get; init; }
    /// <summary>Parallel make jobs; 0 means one per core.</summary>
    public int Jobs { get; init; }
    public IReadOnlyDictionary<string, ToolchainSpec> Toolchains { get; init; } = new Dictionary<string, ToolchainSpec>();
    public IReadOnlyList<StepSpec> Steps { get; init; } = [];
    /// <summary>How the standard library can ship, by name; the first is the default. Templates see the chosen
    /// mode's flags as stdlib.*.</summary>
    public IReadOnlyDictionary<string, StdlibModeSpec> StdlibModes { get; init; } = new Dictionary<string, StdlibModeSpec>();
    /// <summary>Environment of every package build (templates; pkg.* is the package): the toolchain and CPython's headers.</summary>
    public IReadOnlyDictionary<string, string> PackageEnv { get; init; } = new Dictionary<string, string>();
    /// <summary>How downloads wait and retry.</summary>
    public DownloadsSpec Downloads { get; init; } = new();
    /// <summary>The unit cache shared by checkouts (a local folder) and machines (a remote url).</summary>
    public CacheSpec Cache { get; init; } = new();
    /// <summary>Where `wasipy test` finds the interpreter of the build tree and what it maps.</summary>
    public RegrtestConfig? Regrtest { get; init; }
    /// <summary>What the pipeline makes (templates): exec, verify, the smoke test and `run`'s last line read it.</summary>
    public ProductSpec? Product { get; init; }
    /// <summary>Modules every snapshot imports before the recipe's snapshot.preimport (what `python -c pass` imports).</summary>
    public IReadOnlyList<string> SnapshotPreimport { get; init; } = [];
    /// <summary>How requirements (`requirements:`, `--requirements`) are resolved: the pinned host pip and its index options.</summary>
    public PipSpec Pip { get; init; } = new();
    /// <summary>How a `link: dynamic` build makes packages' extension modules into side modules (templates).</summary>
    public SideModuleSpec? SideModules { get; init; }

    /// <summary>Folder of the wasipy.yaml file; relative paths are taken from here (not a YAML key).</summary>
    [YamlDotNet.Serialization.YamlIgnore, System.Text.Json.Serialization.JsonIgnore]
    public string Root { get; init; } = "";

    [YamlDotNet.Serialization.YamlIgnore, System.Text.Json.Serialization.JsonIgnore]
    public string FilePath { get; init; } = "";
}

public sealed record DirectoriesSpec
{
    /// <summary>Per-version build folder (template), e.g. build/{{ recipe.major_minor }}.</summary>
    public required string Build { get; init; }
    /// <summary>Download cache: archives are kept here by file name and reused when their sha256 matches.</summary>
    public required string Downloads { get; init; }
    /// <summary>Where C libraries are built and installed for a toolchain (template), shared by every CPython version.</summary>
    public string Libs { get; init; } = "build/wasm-libs/{{ toolchain.name }}";
    /// <summary>Local folders searched by file name before the network (pre-fetched archives).</summary>
    public IReadOnlyList<string> Mirrors { get; init; } = [];
}

public sealed record ToolchainSpec
{
    /// <summary>If set, this toolchain is chosen automatically when that environment variable is set.</summary>
    public string? WhenEnv { get; init; }
    /// <summary>Shell command that makes sure the toolchain is present, installing it where it can (template).</summary>
    public string Ensure { get; init; } = "";
    public required string Cc { get; init; }
    /// <summary>The C++ compiler (default: cc).</summary>
    public string? Cxx { get; init; }
    public required string Ar { get; init; }
    public required string Ranlib { get; init; }
    /// <summary>llvm-strip, to drop debug info from the wasm that ships.</summary>
    public required string Strip { get; init; }
    public string Description { get; init; } = "";
    /// <summary>A library recipe (relative to wasipy.yaml) that builds this toolchain's C library into dirs.sysroot
    /// before anything else (e.g. wasi-libc for wasm32-wasi-threads); its key goes into every unit that compiles.</summary>
    public string? Sysroot { get; init; }
    /// <summary>Whether code built with it uses threads (wasm32-wasi-threads); templates see toolchain.threads.</summary>
    public bool Threads { get; init; }
}

public sealed record StepSpec
{
    public required string Name { get; init; }
    /// <summary>A built-in action (fetch, extract, patch, smoke-test) instead of shell commands.</summary>
    public string? Uses { get; init; }
    /// <summary>Parameters for a built-in action (templates, rendered without shell quoting).</summary>
    public IReadOnlyDictionary<string, string> With { get; init; } = new Dictionary<string, string>();
    /// <summary>A template that renders to "true" or "false"; a false step is skipped (e.g. only in one stdlib mode).</summary>
    public string? When { get; init; }
    /// <summary>Steps whose keys this step's key includes; by default, the step just before it.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];
    /// <summary>Shell commands (Scriban templates; values are shell-quoted). Each runs with bash -euo pipefail.</summary>
    public IReadOnlyList<string> Run { get; init; } = [];
    /// <summary>Working directory (template); created if missing.</summary>
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    /// <summary>Files written before the commands run (path and content are templates).</summary>
    public IReadOnlyList<FileSpec> Files { get; init; } = [];
    /// <summary>Files or folders whose contents go into the step's cache key.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    /// <summary>Paths that must exist after the step; a cached step whose outputs are gone runs again.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];
    /// <summary>Commands run on every build whose output goes into the cache key (e.g. compiler --version).</summary>
    public IReadOnlyList<string> Fingerprint { get; init; } = [];
    /// <summary>Run the step again when it fails in a way declared here (default: it runs once).</summary>
    public RetrySpec? Retry { get; init; }
}

/// <summary>A step's retry policy: how many attempts, the wait between them, and which failures count.</summary>
public sealed record RetrySpec
{
    /// <summary>Attempts in all, the first included (2 = one retry).</summary>
    public int Attempts { get; init; } = 2;
    /// <summary>Seconds before the first retry.</summary>
    public double Delay { get; init; } = 1;
    /// <summary>constant, linear or exponential growth of the delay.</summary>
    public string Backoff { get; init; } = "exponential";
    /// <summary>Retry only when the failing command exited with one of these (empty: any).</summary>
    public IReadOnlyList<int> OnExitCodes { get; init; } = [];
    /// <summary>Retry only when the last 50 lines of the step's log match this regular expression (empty: any).</summary>
    public string? OnOutput { get; init; }

    public static readonly IReadOnlyList<string> Backoffs = ["constant", "linear", "exponential"];
}

/// <summary>Side modules (dylink.0) for a `link: dynamic` build: the compilers a package's build gets as $CC and $CXX
/// (and its C libraries, built again with them into dirs.side_sysroot), the link command each extension module's side
/// module is made with (its init symbol, output, the package's archive and link arguments, then link_after follow),
/// and the file name suffix CPython looks for.</summary>
public sealed record SideModuleSpec
{
    public string Ensure { get; init; } = "";
    public required string Cc { get; init; }
    public string? Cxx { get; init; }
    public required string Ar { get; init; }
    public required string Ranlib { get; init; }
    /// <summary>Library recipes (relative to wasipy.yaml) built for side modules only, such as their C++ library.</summary>
    public IReadOnlyList<string> Libraries { get; init; } = [];
    public required string Link { get; init; }
    public string LinkAfter { get; init; } = "";
    public required string Suffix { get; init; }
}

/// <summary>The interpreter a pipeline makes: the wasm file, where its install prefix is on the host ("" when it carries
/// its library inside) and the guest path it was configured with.</summary>
public sealed record ProductSpec
{
    public required string Wasm { get; init; }
    public string HostPrefix { get; init; } = "";
    public required string GuestPrefix { get; init; }
}

public sealed record RegrtestConfig
{
    /// <summary>python.wasm of the build tree (template).</summary>
    public required string Wasm { get; init; }
    /// <summary>Host folders mapped into the guest at the same paths (templates): the source and the build tree.</summary>
    public IReadOnlyList<string> Map { get; init; } = [];
    /// <summary>Shell commands (templates) run in the build folder before the tests start, each in its time limit.</summary>
    public IReadOnlyList<string> Prepare { get; init; } = [];
}

/// <summary>The host pip that resolves requirements for the target CPython, and pip's own index options.</summary>
public sealed record PipSpec
{
    /// <summary>The host Python whose pip resolves, downloads and installs (not the build's host Python, which has no pip).</summary>
    public string Python { get; init; } = "/usr/bin/python3";
    /// <summary>The pip version wasipy expects (`python -m pip --version`); another version is refused.</summary>
    public string Version { get; init; } = "";
    /// <summary>Shell command that makes sure pip and the build backends are present, installing them where it can (template).</summary>
    public string Ensure { get; init; } = "";
    /// <summary>pip --index-url ("" for pip's default).</summary>
    public string IndexUrl { get; init; } = "";
    /// <summary>pip --extra-index-url, each.</summary>
    public IReadOnlyList<string> ExtraIndexUrls { get; init; } = [];
    /// <summary>pip --find-links: folders (relative to wasipy.yaml) or urls of wheels and sdists.</summary>
    public IReadOnlyList<string> FindLinks { get; init; } = [];
    /// <summary>pip --no-index: only find_links are searched.</summary>
    public bool NoIndex { get; init; }
}

public sealed record DownloadsSpec
{
    /// <summary>A connection not made within this many seconds fails the attempt.</summary>
    public int ConnectTimeoutSeconds { get; init; } = 30;
    /// <summary>No byte for this many seconds (before the headers or in the body) fails the attempt.</summary>
    public int IdleTimeoutSeconds { get; init; } = 60;
    /// <summary>Attempts after the first, per url, for failures worth retrying (time-outs, 5xx, a cut-off body).</summary>
    public int Retries { get; init; } = 4;
    /// <summary>One attempt at one url that takes longer than this many seconds in all fails that url (not retried).</summary>
    public int AttemptTimeoutSeconds { get; init; } = 900;
    /// <summary>The most bytes one source may have (a recipe's source.size may lower it): more is cut off, that url fails.</summary>
    public long MaxBytes { get; init; } = 1L << 30;
}

/// <summary>wasipy.yaml `cache:`: where units' outputs are kept by key, for other checkouts and machines.</summary>
public sealed record CacheSpec
{
    /// <summary>The local cache folder (default: $WASIPY_CACHE_DIR, else $XDG_CACHE_HOME/wasipy/units, else ~/.cache/wasipy/units).</summary>
    public string? Dir { get; init; }
    /// <summary>A Bazel HTTP remote cache (GET/PUT ac/KEY and cas/SHA256 under this url); none by default.</summary>
    public string? Remote { get; init; }
    /// <summary>Only read from the remote cache, never write (for untrusted jobs).</summary>
    public bool RemoteReadOnly { get; init; }
    /// <summary>One remote request, retries included, that takes longer than this fails; the run goes on without the remote cache.</summary>
    public int RemoteTimeoutSeconds { get; init; } = 30;
    /// <summary>Attempts after the first for a remote request that fails (connection errors, 5xx).</summary>
    public int RemoteRetries { get; init; } = 2;
}

/// <summary>One way of shipping the standard library (wasipy.yaml stdlib_modes).</summary>
public sealed record StdlibModeSpec
{
    public string Description { get; init; } = "";
    /// <summary>The library is inside python.wasm (read-only VFS): nothing is mapped at run time.</summary>
    public bool Embedded { get; init; }
    /// <summary>Modules are compiled to bytecode.</summary>
    public bool Compiled { get; init; }
    /// <summary>Only the bytecode ships (the .py files are removed).</summary>
    public bool Sourceless { get; init; }
    /// <summary>The library ships as lib/pythonXY.zip.</summary>
    public bool Zipped { get; init; }
}

/// <summary>The `with:` parameters a built-in action takes.</summary>
public sealed record ActionSignature(IReadOnlyList<string> Required, IReadOnlyList<string> Optional);

public sealed record FileSpec
{
    public required string Path { get; init; }
    public required string Content { get; init; }
}
