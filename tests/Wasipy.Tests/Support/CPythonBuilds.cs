using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.Support;

/// <summary>The end-to-end tests' collection: they run one at a time (they share the library sysroot and two cores).</summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<CPythonBuilds>
{
    public const string Name = "CPython builds";
}

/// <summary>
/// The one fixture of every end-to-end test: builds a recipe as a user would (`wasipy run RECIPE [options]`, cached
/// across tests by wasipy itself) and runs the interpreters with one shared Wasmtime engine.
/// </summary>
public sealed class CPythonBuilds : IDisposable
{
    public WasiRunner Wasmtime { get; } = new(Path.Combine(RepoRoot.Path, ".cache", "wasmtime-tests"));

    /// <summary>The offline mirror of the git sources (numpy, Cython, six, wasi-libc): shared/mirror beside the project, or
    /// the folder WASIPY_TEST_MIRROR names (a checkout elsewhere, such as a git worktree).</summary>
    public static string Mirror { get; } = Path.GetFullPath(Environment.GetEnvironmentVariable("WASIPY_TEST_MIRROR") is { Length: > 0 } mirror
        ? mirror : Path.Combine(RepoRoot.Path, "..", "shared", "mirror"));

    /// <summary>recipes/FILE in this checkout.</summary>
    public static string Recipe(string file) => Path.Combine(RepoRoot.Path, "recipes", file);

    /// <summary>Builds RECIPE (a path, or a file name under recipes/) with `wasipy run` and the given options.</summary>
    public Task<BuiltPython.Built> BuildAsync(string recipe, ITestOutputHelper output, string? stdlib = null, params string[] options) =>
        BuiltPython.BuildAsync(Path.IsPathRooted(recipe) ? recipe : Recipe(recipe), output, stdlib, options);

    public void Dispose() => Wasmtime.Dispose();
}
