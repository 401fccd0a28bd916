using System.Diagnostics.CodeAnalysis;
using Wasipy.Project;

namespace Wasipy.Recipes;

/// <summary>Which folder a component recipe comes from: recipes/libs (a C library installed into the wasm sysroot)
/// or recipes/packages (a Python package linked into python.wasm).</summary>
public enum ComponentKind { Library, Package }

/// <summary>
/// What every component recipe has, C library or package: where its source comes from and how it is built. Written
/// once, shared by the recipe as read (<see cref="ComponentFile"/>) and as planned (<see cref="ComponentRecipe"/>).
/// </summary>
public abstract record ComponentBasics
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    /// <summary>The archive or git commit to build from; without one, the build starts from the project files in
    /// <see cref="Inputs"/>.</summary>
    public SourceSpec? Source { get; init; }
    /// <summary>Paths relative to the recipe's folder.</summary>
    public IReadOnlyList<string> Patches { get; init; } = [];
    /// <summary>Components of the same kind this one builds against or needs at run time (listed before it); their
    /// keys go into its key.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];
    /// <summary>Project files the build reads (relative to the recipe's folder); their contents go into the key.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    /// <summary>Environment for the build commands (templates).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    /// <summary>Files written before the build (templates), e.g. a pkg-config file.</summary>
    public IReadOnlyList<FileSpec> Files { get; init; } = [];
    /// <summary>Shell commands run in the unpacked source (templates, values shell-quoted).</summary>
    public IReadOnlyList<string> Build { get; init; } = [];
    /// <summary>Paths that must exist after the build (templates, relative to the source folder).</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];
}

/// <summary>
/// Something built from source for the wasm target: a C library (recipes/libs/NAME.yaml) or a Python package
/// (recipes/packages/NAME.yaml). Both are the same concept, planned into a build unit by one planner; what only a
/// package has is in <see cref="Package"/>. Read from the YAML file's top-level keys (<see cref="ComponentFile"/>).
/// </summary>
public sealed record ComponentRecipe : ComponentBasics
{
    [SetsRequiredMembers]
    public ComponentRecipe(ComponentBasics basics, ComponentKind kind, string path, PackageParts? package) : base(basics)
    {
        Kind = kind;
        FilePath = path;
        Package = package;
    }

    public ComponentKind Kind { get; init; }
    /// <summary>What only a package has; null for a library.</summary>
    public PackageParts? Package { get; init; }
    public string FilePath { get; init; }
}

/// <summary>What a package adds to a component: its modules, link arguments, site-packages folders and checks.</summary>
public sealed record PackageParts
{
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
    /// <summary>C library recipes (paths relative to the package recipe's folder) built into the sysroot before this
    /// package, only when it is in the build: the CPython recipe need not list them, and its configure does not
    /// depend on them. A library the CPython recipe lists is the same unit.</summary>
    public IReadOnlyList<string> Libraries { get; init; } = [];
}

/// <summary>
/// A component recipe file as written: every key at the top level (libraries and packages share one format; the
/// package-only keys are refused in a library). The schemas of recipes/libs and recipes/packages come from it.
/// </summary>
public sealed record ComponentFile : ComponentBasics
{
    public IReadOnlyDictionary<string, string>? Modules { get; init; }
    public IReadOnlyList<string>? Link { get; init; }
    public IReadOnlyList<string>? Site { get; init; }
    public bool? Tool { get; init; }
    public IReadOnlyList<string>? Checks { get; init; }
    public IReadOnlyList<string>? Libraries { get; init; }

    /// <summary>The keys only a package may have (snake_case, as written).</summary>
    public static readonly IReadOnlyList<string> PackageKeys = ["modules", "link", "site", "tool", "checks", "libraries"];

    /// <summary>The package-only keys this file gives.</summary>
    public IEnumerable<string> PackageKeysGiven() =>
        PackageKeys.Zip(new object?[] { Modules, Link, Site, Tool, Checks, Libraries }).Where(k => k.Second is not null).Select(k => k.First);

    public ComponentRecipe ToRecipe(ComponentKind kind, string path) => new(this, kind, path,
        kind == ComponentKind.Library ? null : new PackageParts
        {
            Modules = Modules ?? new Dictionary<string, string>(), Link = Link ?? [], Site = Site ?? [], Tool = Tool ?? false, Checks = Checks ?? [],
            Libraries = Libraries ?? [],
        });
}

/// <summary>A package a CPython recipe lists; an optional one may fail to build without failing the build.</summary>
public sealed record PackageRef
{
    /// <summary>Path of the package recipe, relative to the CPython recipe's folder.</summary>
    public required string Recipe { get; init; }
    public bool Optional { get; init; }
}
