using Wasipy.Project;

namespace Wasipy.Recipes;

/// <summary>A C library built from source for wasm32-wasi (recipes/libs/NAME.yaml) and installed into the wasm sysroot.</summary>
public sealed record LibraryRecipe
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    /// <summary>The archive to build from; a library without one is built from project files named in `inputs`.</summary>
    public SourceSpec? Source { get; init; }
    /// <summary>Libraries this one builds against (listed before it in the CPython recipe); their keys go into its key.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];
    /// <summary>Project files the build reads (relative to the library recipe's folder); their contents go into its cache key.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    /// <summary>Paths relative to the library recipe's folder.</summary>
    public IReadOnlyList<string> Patches { get; init; } = [];
    /// <summary>Environment for the build commands (templates).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    /// <summary>Files written before the build (templates), e.g. a pkg-config file.</summary>
    public IReadOnlyList<FileSpec> Files { get; init; } = [];
    /// <summary>Shell commands run in the unpacked source (Scriban templates, values shell-quoted).</summary>
    public required IReadOnlyList<string> Build { get; init; }
    /// <summary>Paths that must exist after the build (templates), e.g. {{ lib.prefix }}/lib/libz.a.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    [YamlDotNet.Serialization.YamlIgnore, System.Text.Json.Serialization.JsonIgnore]
    public string FilePath { get; init; } = "";
}
