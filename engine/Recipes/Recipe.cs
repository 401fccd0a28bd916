namespace Wasipy.Recipes;

/// <summary>One CPython version's build data (recipes/X.Y.yaml). Only data: how to build lives in wasipy.yaml.</summary>
public sealed record Recipe
{
    /// <summary>Full version, e.g. "3.11.2".</summary>
    public required string Version { get; init; }
    /// <summary>A build variant of that version (e.g. "threads"): it gets its own build folder, build/X.Y.Z-VARIANT.</summary>
    public string? Variant { get; init; }
    /// <summary>The toolchain (from wasipy.yaml) this recipe needs, e.g. debian-threads; `--toolchain` overrides it.</summary>
    public string? Toolchain { get; init; }
    /// <summary>How extension modules reach the interpreter: "static" (linked into python.wasm; any WASI host) or
    /// "dynamic" (python.wasm is a main module that loads packages' side modules, .so files, through its host's
    /// loader); `--link` overrides it.</summary>
    public string Link { get; init; } = Static;
    public required SourceSpec Source { get; init; }
    public IReadOnlyList<string> Patches { get; init; } = [];
    /// <summary>C libraries (recipes/libs/*.yaml) built for wasm32-wasi before CPython is configured.</summary>
    public IReadOnlyList<LibraryRef> Libraries { get; init; } = [];
    /// <summary>Python packages (recipes/packages/*.yaml) built into python.wasm; `--with NAME` adds more.</summary>
    public IReadOnlyList<PackageRef> Packages { get; init; } = [];
    /// <summary>Pure-Python requirements in pip's syntax ("click>=8", "urllib3==2.8.0"), resolved by pip for this CPython,
    /// locked by hash beside the recipe and installed into site-packages; `--requirements FILE` adds more.</summary>
    public IReadOnlyList<string> Requirements { get; init; } = [];
    public required ConfigureSpec Configure { get; init; }
    public SmokeSpec Smoke { get; init; } = new();
    public StdlibSpec Stdlib { get; init; } = new();
    public RegrtestSpec Regrtest { get; init; } = new();
    /// <summary>Your own Python code in the image (`--app DIR`, `--app-main MODULE`).</summary>
    public AppSpec App { get; init; } = new();
    /// <summary>A Wizer snapshot of the initialised interpreter (`--snapshot`), where this version supports one.</summary>
    public SnapshotSpec Snapshot { get; init; } = new();

    public const string Static = "static", Dynamic = "dynamic";
    public static readonly IReadOnlyList<string> Links = [Static, Dynamic];

    /// <summary>"3.11" for "3.11.2".</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string MajorMinor => string.Join('.', Version.Split('.').Take(2));

    /// <summary>The file the recipe was read from (not a YAML key).</summary>
    [YamlDotNet.Serialization.YamlIgnore, System.Text.Json.Serialization.JsonIgnore]
    public string FilePath { get; init; } = "";
}

public sealed record SourceSpec
{
    /// <summary>Primary url first, then mirrors. http(s)://, file:// or apt-source://. Not with git.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [];
    /// <summary>The archive's sha256 (with urls).</summary>
    public string Sha256 { get; init; } = "";
    /// <summary>A git repository pinned by a full commit id, instead of an archive.</summary>
    public GitSpec? Git { get; init; }

    /// <summary>The archive's size in bytes, if stated: a download larger than this is refused (else downloads.max_bytes).</summary>
    public long? Size { get; init; }

    /// <summary>Name of the file in the download cache; defaults to the last path segment of the first url.</summary>
    public string? FileName { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public string CacheFileName => FileName ?? (Urls.Count > 0 ? Path.GetFileName(new Uri(Location(Urls[0])).LocalPath) : "");

    /// <summary>Url schemes a source may use; apt-source://PACKAGE/FILE is a Debian source package's file.</summary>
    public static readonly IReadOnlyList<string> Schemes = ["http", "https", "file", "apt-source"];

    /// <summary>A mirror that serves a repacked but equivalent archive names its own hash: URL#sha256=HEX.</summary>
    public const string HashMarker = "#sha256=";

    /// <summary>The url without a #sha256= fragment.</summary>
    public static string Location(string url) => url.Contains(HashMarker) ? url[..url.IndexOf(HashMarker, StringComparison.Ordinal)] : url;
}

public sealed record GitSpec
{
    /// <summary>The real upstream url (a --mirror copy is tried first).</summary>
    public required string Url { get; init; }
    /// <summary>The full 40-hex commit id: the integrity check (a tag or branch name alone is refused).</summary>
    public required string Commit { get; init; }
    /// <summary>Submodule paths to fetch, each at the commit the parent tree pins.</summary>
    public IReadOnlyList<string> Submodules { get; init; } = [];
}

public sealed record ConfigureSpec
{
    /// <summary>--host triple passed to configure, e.g. wasm32-unknown-wasi.</summary>
    public required string Host { get; init; }
    /// <summary>config.site shipped with CPython, relative to the source root.</summary>
    public required string ConfigSite { get; init; }
    /// <summary>Autoconf cache variables appended after the shipped config.site.</summary>
    public IReadOnlyDictionary<string, string> ConfigSiteOverrides { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Flags { get; init; } = [];
    public IReadOnlyList<string> Cflags { get; init; } = [];
    public IReadOnlyList<string> Ldflags { get; init; } = [];
}

/// <summary>What the smoke test checks beyond sys.version, which must start with the recipe's version.</summary>
public sealed record SmokeSpec
{
    /// <summary>Modules the built interpreter must import.</summary>
    public IReadOnlyList<string> Imports { get; init; } = [];
    /// <summary>Python programs that must exit 0 (e.g. a zlib round trip).</summary>
    public IReadOnlyList<string> Checks { get; init; } = [];
}

/// <summary>How the standard library ships (see README: stdlib modes).</summary>
public sealed record StdlibSpec
{
    /// <summary>One of wasipy.yaml's stdlib_modes (default: the first there); `--stdlib` overrides it.</summary>
    public string? Mode { get; init; }
    /// <summary>Paths under lib/pythonX.Y left out of what ships (test, idlelib, ...).</summary>
    public IReadOnlyList<string> Prune { get; init; } = [];
}

/// <summary>An application carried in python.wasm: its folder goes into site-packages, its main module runs when
/// python.wasm is given no arguments.</summary>
public sealed record AppSpec
{
    /// <summary>A folder of Python code (relative to the recipe's folder), copied into site-packages.</summary>
    public string? Dir { get; init; }
    /// <summary>The module `python.wasm` with no arguments runs (`-m` semantics); any argument makes it plain python.</summary>
    public string? Main { get; init; }
}

/// <summary>A pre-initialised python.wasm (snapshot/wasipy_snapshot.c, Wizer).</summary>
public sealed record SnapshotSpec
{
    /// <summary>Whether snapshot/wasipy_snapshot.c has been verified with this version (it uses CPython internals).</summary>
    public bool Available { get; init; }
    /// <summary>Build the snapshot by default (`--snapshot` asks for it on one run).</summary>
    public bool Enabled { get; init; }
    /// <summary>Modules imported into the snapshot besides what `python -c pass` imports (e.g. json, re, numpy).</summary>
    public IReadOnlyList<string> Preimport { get; init; } = [];
}

/// <summary>CPython's own regression tests, run by `wasipy test`.</summary>
public sealed record RegrtestSpec
{
    /// <summary>The tests run when none are named on the command line.</summary>
    public IReadOnlyList<string> Tests { get; init; } = [];
    /// <summary>Tests known to fail on WASI for this version: their failure does not fail the command.</summary>
    public IReadOnlyList<string> ExpectedFailures { get; init; } = [];
    /// <summary>The same, grouped by cause ("no threads": [test_threading, ...]); `test --all` reports them by cause.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> KnownFailures { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>Failures of one host only, by host (wasmtime, node) and then cause: a defect of that host, not WASI's
    /// (`test --all --runtime HOST` counts them as expected, under that cause; the other host runs them as usual).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> HostFailures { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>();
    public int TimeoutSeconds { get; init; } = 900;
    /// <summary>Slow modules' own time limits in seconds, instead of timeout_seconds (or `test --timeout`).</summary>
    public IReadOnlyDictionary<string, int> Timeouts { get; init; } = new Dictionary<string, int>();
    /// <summary>Modules not started, by cause ("WASI has no signals": [test_threadsignals]): they would wait for what WASI
    /// cannot give until their time limit. Reported as skipped with the cause; named on the command line, they run.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> NotRun { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>How each test runs: "regrtest" (`-m test NAME`) or "unittest" (`-m unittest test.NAME`), for versions
    /// whose libregrtest cannot start on WASI (3.8-3.10 need the socket module for it).</summary>
    public string Runner { get; init; } = Regrtest;

    public const string Regrtest = "regrtest", Unittest = "unittest";
    public static readonly IReadOnlyList<string> Runners = [Regrtest, Unittest];
}

/// <summary>A library a CPython recipe needs; an optional one may fail to build without failing the build.</summary>
public sealed record LibraryRef
{
    /// <summary>Path of the library recipe, relative to the CPython recipe's folder.</summary>
    public required string Recipe { get; init; }
    public bool Optional { get; init; }
}
