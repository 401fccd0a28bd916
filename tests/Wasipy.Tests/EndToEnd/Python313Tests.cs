using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>CPython 3.13 from recipes/3.13.yaml: the same pipeline, another version, only data changed.</summary>
[Trait("Category", "EndToEnd")]
[Collection("CPython builds")]   // one at a time: they share the library sysroot and two cores
public class Python313Tests(ITestOutputHelper output)
{
    private static readonly string Recipe = Path.Combine(RepoRoot.Path, "recipes", "3.13.yaml");

    [Fact]
    public async Task The_313_recipe_builds_a_single_file_python_that_runs_with_its_libraries()
    {
        var (session, python, _) = await BuiltPython.BuildAsync(Recipe, output);
        Assert.Equal("", python.HostPrefix);
        using var runner = new WasiRunner(session.ModuleCacheDir);
        var result = python.Run(runner, ["-c",
            "import sys, json, sqlite3, lzma; print(sys.version.split()[0], sqlite3.connect(':memory:').execute('select 1').fetchone()[0], json.dumps(lzma.decompress(lzma.compress(b'ok')).decode()))"]);
        Assert.True(result.Succeeded, result.Stderr);
        Assert.Equal("3.13.15 1 \"ok\"", result.Stdout.Trim());
        Assert.True(new FileInfo(python.WasmPath).Length < 25 * 1024 * 1024, "the packed 3.13 python.wasm should stay under 25 MB");
    }
}
