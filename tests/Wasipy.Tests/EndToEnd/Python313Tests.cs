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
    // time.sleep uses clock_nanosleep(TIMER_ABSTIME): hosts/node/run.mjs turns Node's absolute clock waits into
    // relative ones, without which it sleeps for ever under node:wasi.
    private const string AsyncProgram = """
        import asyncio, time
        time.sleep(0.01)
        async def work(n):
            await asyncio.sleep(0.001 * n)
            return n * n
        async def main():
            results = await asyncio.gather(*(work(i) for i in range(4)))
            try:
                await asyncio.wait_for(asyncio.sleep(5), timeout=0.01)
            except TimeoutError:
                return results, 'timed out'
        print(asyncio.run(asyncio.sleep(0, result=5)), *asyncio.run(main()))
        """;

    [Fact]
    public Task The_newest_313_builds_a_single_file_python_that_runs_with_its_libraries() =>
        BuildsAndRuns("3.13.yaml", "3.13.15");

    [FullTierFact]
    public Task Debians_313_release_builds_a_single_file_python_that_runs_with_its_libraries() =>
        BuildsAndRuns("3.13.5.yaml", "3.13.5");

    private async Task BuildsAndRuns(string recipe, string version)
    {
        var (session, python, _) = await builds.BuildAsync(recipe, output);
        Assert.Equal("", python.HostPrefix);
        Assert.EndsWith(Path.Combine("build", version), session.Dirs.Build);
        var runner = builds.Wasmtime;
        var result = python.Run(runner, ["-c",
            "import sys, json, sqlite3, lzma; print(sys.version.split()[0], sqlite3.connect(':memory:').execute('select 1').fetchone()[0], json.dumps(lzma.decompress(lzma.compress(b'ok')).decode()))"]);
        Assert.True(result.Succeeded, result.Stderr);
        Assert.Equal($"{version} 1 \"ok\"", result.Stdout.Trim());
        Assert.True(new FileInfo(python.WasmPath).Length < 25 * 1024 * 1024, "the packed 3.13 python.wasm should stay under 25 MB");

        // asyncio's event loop runs without socketpair (patches/3.13/0001), and time.sleep returns, under both hosts.
        using var node = WasiHosts.Create(WasiHosts.Node, session.Dirs.ModuleCache, session.Config.Root);
        var quick = new WasiRun { WasmPath = python.WasmPath, Args = ["python", "-c", "import time; time.sleep(0.05); print('slept')"], Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal("slept", node.Run(quick).Stdout.Trim());
        foreach (var host in new IWasiHost[] { runner, node })
        {
            var loop = python.Run(host, ["-c", AsyncProgram]);
            Assert.True(loop.Succeeded, loop.Stderr + loop.Trap);
            Assert.Equal("5 [0, 1, 4, 9] timed out", loop.Stdout.Trim());
        }
    }
}
