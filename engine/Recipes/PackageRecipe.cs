using Wasipy.Project;

namespace Wasipy.Recipes;

/// <summary>
/// A Python package built for wasm32-wasi (recipes/packages/NAME.yaml): its C extension modules are linked into
/// python.wasm's built-in module table, its Python files go into site-packages inside the image.
/// </summary>
public sealed record PackageRecipe
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    public required SourceSpec Source { get; init; }
    /// <summary>Paths relative to the package recipe's folder.</summary>
    public IReadOnlyList<string> Patches { get; init; } = [];
    /// <summary>Packages this one needs at run time or to build (listed before it).</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];
    /// <summary>Project files the build reads (relative to the recipe's folder, seen as {{ pkg.dir }}); their contents go
    /// into the key.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    /// <summary>Environment for the build commands (templates), on top of wasipy.yaml's package_env.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    /// <summary>Shell commands run in the unpacked source (templates). With modules, they must leave their objects in
    /// {{ pkg.archive }}.</summary>
    public IReadOnlyList<string> Build { get; init; } = [];
    /// <summary>Extension modules by full dotted name, each with its init symbol (PyInit_ + the last name component).</summary>
    public IReadOnlyDictionary<string, string> Modules { get; init; } = new Dictionary<string, string>();
    /// <summary>Extra link arguments for python.wasm, e.g. -lyaml for a C library in the sysroot.</summary>
    public IReadOnlyList<string> Link { get; init; } = [];
    /// <summary>Folders (templates, usually under {{ pkg.src }}) each copied into site-packages under its own name.</summary>
    public IReadOnlyList<string> Site { get; init; } = [];
    /// <summary>A build tool (e.g. Cython): built for the packages that need it (deps.NAME.src), never shipped.</summary>
    public bool Tool { get; init; }
    /// <summary>Python programs the smoke test runs when this package is in the build; each must exit 0.</summary>
    public IReadOnlyList<string> Checks { get; init; } = [];

    [YamlDotNet.Serialization.YamlIgnore, System.Text.Json.Serialization.JsonIgnore]
    public string FilePath { get; init; } = "";
}

/// <summary>A package a CPython recipe lists; an optional one may fail to build without failing the build.</summary>
public sealed record PackageRef
{
    /// <summary>Path of the package recipe, relative to the CPython recipe's folder.</summary>
    public required string Recipe { get; init; }
    public bool Optional { get; init; }
}
