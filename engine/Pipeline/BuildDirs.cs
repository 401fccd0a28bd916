namespace Wasipy.Pipeline;

/// <summary>The folders of one build, resolved once: the engine uses these and templates see them as dirs.*.</summary>
public sealed record BuildDirs
{
    public required string Project { get; init; }
    /// <summary>This CPython release's build folder.</summary>
    public required string Build { get; init; }
    public required string Downloads { get; init; }
    /// <summary>The C libraries of this toolchain, shared by every CPython version.</summary>
    public required string Libs { get; init; }

    public string Logs => Path.Combine(Build, "logs");
    /// <summary>Where the C libraries are installed (include/, lib/): the one sysroot prefix.</summary>
    public string Sysroot => Path.Combine(Libs, "prefix");
    /// <summary>The same C libraries built as position-independent code for side modules (`link: dynamic`).</summary>
    public string SideSysroot => Path.Combine(Libs, "side-prefix");
    /// <summary>This build's packages: one folder each, the merged site-packages and the module table.</summary>
    public string Packages => Path.Combine(Build, "packages");
    public string Stamps => Path.Combine(Build, ".wasipy", "steps");
    public string ModuleCache => Path.Combine(Build, ".wasipy", "wasmtime");

    public IReadOnlyDictionary<string, string> ForTemplates => new Dictionary<string, string>
    {
        ["project"] = Project, ["build"] = Build, ["downloads"] = Downloads, ["logs"] = Logs, ["libs"] = Libs, ["sysroot"] = Sysroot, ["side_sysroot"] = SideSysroot,
        ["packages"] = Packages,
    };
}
