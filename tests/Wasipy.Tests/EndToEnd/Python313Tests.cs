using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// CPython 3.13 from recipes/3.13.yaml (the newest 3.13 reachable here) and recipes/3.13.5.yaml (Debian trixie's):
/// the same pipeline, other versions, only data changed. Each release builds in its own folder.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class Python313Tests(CPythonBuilds builds, ITestOutputHelper output)
{
    [Theory]
    [InlineData("3.13.yaml", "3.13.15")]
    [InlineData("3.13.5.yaml", "3.13.5")]
    public async Task A_313_recipe_builds_a_single_file_python_that_runs_with_its_libraries(string recipe, string version)
    {
        var (session, python, _) = await builds.BuildAsync(recipe, output);
        Assert.Equal("", python.HostPrefix);
        Assert.EndsWith(Path.Combine("build", version), session.BuildDir);
        var runner = builds.Wasmtime;
        var result = python.Run(runner, ["-c",
            "import sys, json, sqlite3, lzma; print(sys.version.split()[0], sqlite3.connect(':memory:').execute('select 1').fetchone()[0], json.dumps(lzma.decompress(lzma.compress(b'ok')).decode()))"]);
        Assert.True(result.Succeeded, result.Stderr);
        Assert.Equal($"{version} 1 \"ok\"", result.Stdout.Trim());
        Assert.True(new FileInfo(python.WasmPath).Length < 25 * 1024 * 1024, "the packed 3.13 python.wasm should stay under 25 MB");
    }
}
