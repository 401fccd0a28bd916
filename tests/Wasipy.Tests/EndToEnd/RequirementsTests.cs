using System.Diagnostics;
using System.Text.RegularExpressions;
using Wasipy.Cli;
using Wasipy.Pipeline;
using Wasipy.Processes;
using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// Requirements resolved by the real host pip into CPython 3.13.15, offline: the test makes its wheelhouse itself, pure
/// wheels built by the host pip from Debian's .orig sources (urllib3 2.8.0, click 8.1.8, certifi 2025.1.31), an sdist of
/// a small project that needs them and idna (idna comes from its package recipe, --with idna), and a wheel with a
/// compiled module built from a tiny C source. Then `--no-index --find-links WHEELHOUSE` resolves the set, python.wasm
/// uses it under both hosts, and the refusals (C extensions, a changed wheel, an unknown package) are step failures.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class RequirementsTests(CPythonBuilds builds, ITestOutputHelper output)
{
    // Debian source package, version, .orig file and its sha256.
    private static readonly (string Package, string Version, string File, string Sha256)[] Sources =
    [
        ("python-urllib3", "2.8.0-2", "python-urllib3_2.8.0.orig.tar.gz", "63bf2ead4c879426ebf22ef2a781eeb4aa3b4ae798a0435506f8687fd5bb9b63"),
        ("python-click", "8.2.0+0.really.8.1.8-1", "python-click_8.2.0+0.really.8.1.8.orig.tar.gz", "33b16b4899d3deda7be154c0be415d898511abf928c988972cd97c4d90444a18"),
        ("python-certifi", "2025.1.31+ds-1", "python-certifi_2025.1.31+ds.orig.tar.xz", "38782ddf5ba122c46bbf6241e42791ffdc07e036f34c558f66ec98ae9ea8f73a"),
    ];

    private const string Program = """
        import urllib3, click, certifi, idna, demoapp
        u = urllib3.util.parse_url('https://user@bücher.example:8443/a/b?q=1#top')
        print(u.scheme, u.auth, u.host, u.port, u.path, u.query, u.fragment)
        @click.command()
        @click.option('--count', type=int, default=1)
        @click.argument('name')
        def hello(count, name):
            click.echo(' '.join([f'hello {name}'] * count))
        hello(['--count', '2', 'wasm'], standalone_mode=False)
        print(demoapp.greet(), certifi.__version__, urllib3.__version__, click.__name__, idna.encode('bücher.de').decode())
        """;

    private const string Expected = """
        https user xn--bcher-kva.example 8443 /a/b q=1 top
        hello wasm hello wasm
        demoapp 1.0 2025.01.31 2.8.0 click xn--bcher-kva.de
        """;

    private static async Task Shell(string command, string folder, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var (exit, text) = await ShellRunner.CaptureAsync(command, folder, timeout.Token);
        Assert.True(exit == 0, $"{command}:\n{text}");
    }

    private const string Pip = "/usr/bin/python3 -m pip --isolated wheel --no-deps --no-build-isolation --no-index --wheel-dir";

    /// <summary>The wheelhouse: pure wheels from Debian's sources, the sdist of a project needing them, one compiled wheel.</summary>
    private static async Task<string> MakeWheelhouseAsync(TempDir dir)
    {
        var wheels = dir.Combine("wheelhouse");
        var sources = dir.Combine("sources");
        Directory.CreateDirectory(wheels);
        foreach (var (package, version, file, sha) in Sources)
        {
            await Shell($"apt-get source --download-only {package}={version} >/dev/null 2>&1 || true; echo '{sha}  {file}' | sha256sum -c -", sources, TimeSpan.FromMinutes(3));
            var tree = Path.Combine(sources, package);
            Directory.CreateDirectory(tree);
            await Shell($"tar -xf {file} -C {tree} --strip-components=1", sources, TimeSpan.FromMinutes(1));
            // urllib3's own pyproject needs a newer hatchling than bookworm's: the same files, packaged with setuptools.
            if (package == "python-urllib3")
                File.WriteAllText(Path.Combine(tree, "pyproject.toml"), """
                    [build-system]
                    requires = ["setuptools"]
                    build-backend = "setuptools.build_meta"
                    [project]
                    name = "urllib3"
                    version = "2.8.0"
                    requires-python = ">=3.9"
                    [tool.setuptools.packages.find]
                    where = ["src"]
                    """);
            await Shell($"{Pip} {wheels} {tree}", sources, TimeSpan.FromMinutes(3));
        }
        // A project that needs them (and idna, which its package recipe provides), as an sdist only: wasipy builds it.
        dir.File("demoapp/pyproject.toml", """
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "demoapp"
            version = "1.0"
            dependencies = ["urllib3>=2", "click>=8", "certifi", "idna>=3"]
            """);
        dir.File("demoapp/demoapp/__init__.py", "def greet():\n    return 'demoapp 1.0'\n");
        await Shell($"/usr/bin/python3 -c \"import setuptools.build_meta as b; b.build_sdist('{wheels}')\" >/dev/null 2>&1", dir.Combine("demoapp"), TimeSpan.FromMinutes(2));
        // A wheel with a compiled module.
        dir.File("fastsum/fastsum.c", """
            #include <Python.h>
            static PyObject *add(PyObject *self, PyObject *args) { long a, b; if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL; return PyLong_FromLong(a + b); }
            static PyMethodDef methods[] = {{"add", add, METH_VARARGS, ""}, {NULL, NULL, 0, NULL}};
            static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fastsum", NULL, -1, methods};
            PyMODINIT_FUNC PyInit_fastsum(void) { return PyModule_Create(&module); }
            """);
        dir.File("fastsum/setup.py", "from setuptools import setup, Extension\nsetup(name='fastsum', version='1.0', ext_modules=[Extension('fastsum', ['fastsum.c'])])\n");
        await Shell($"{Pip} {wheels} .", dir.Combine("fastsum"), TimeSpan.FromMinutes(3));
        return wheels;
    }

    private async Task<(int Exit, string Stdout, string Stderr, TimeSpan Took)> Wasipy(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var clock = Stopwatch.StartNew();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var exit = await WasipyCli.RunAsync(args, stdout, stderr).WaitAsync(limit.Token);
        output.WriteLine($"$ wasipy {string.Join(' ', args)}  ({clock.Elapsed.TotalSeconds:0.0} s)\n{stdout}{stderr}");
        return (exit, stdout.ToString(), stderr.ToString(), clock.Elapsed);
    }

    private static string UnitTime(string stdout) =>
        Regex.Match(stdout, @"packages: requirements\s+done\s+(\S+)") is { Success: true } m ? m.Groups[1].Value : "(not run)";

    [Fact]
    public async Task Requirements_resolved_by_pip_from_a_local_wheelhouse_run_in_python_wasm_and_refusals_are_step_failures()
    {
        using var dir = new TempDir();
        var wheels = await MakeWheelhouseAsync(dir);
        var recipe = CPythonBuilds.Recipe("3.13.yaml");
        var requirements = dir.File("app/requirements.txt", "demoapp\n");
        string[] index = ["--no-index", "--find-links", wheels];

        var clock = Stopwatch.StartNew();
        var (_, python, coldOutput) = await builds.BuildAsync(recipe, output, null, ["--with", "idna", "--requirements", requirements, .. index]);
        var cold = (Stdout: coldOutput, Took: clock.Elapsed);
        var lockText = File.ReadAllText(dir.Combine("app", "requirements.lock.json"));
        foreach (var file in new[] { "demoapp-1.0-py3-none-any.whl", "urllib3-2.8.0-py3-none-any.whl", "click-8.1.8-py3-none-any.whl", "certifi-2025.1.31-py3-none-any.whl" })
            Assert.Contains($"\"file\": \"{file}\"", lockText);
        Assert.DoesNotContain("idna", lockText);   // the recipe provides it

        var session = BuildSession.Open(new BuildOptions { RecipePath = recipe, With = ["idna"], RequirementsFile = requirements });
        Assert.Equal(python.WasmPath, session.Product!.WasmPath);
        foreach (var host in WasiHosts.Names)
        {
            using var runner = WasiHosts.Create(host, session.Dirs.ModuleCache, session.Config.Root);
            var result = session.Product!.Run(runner, ["-c", Program]);
            Assert.True(result.Succeeded, $"{host}: {result.Stderr}{result.Trap}");
            Assert.Equal(Expected.Trim(), result.Stdout.Trim());
        }

        var again = await Wasipy(["run", recipe, "--with", "idna", "--requirements", requirements, .. index]);
        Assert.Contains("(0 step(s) run", again.Stdout);

        // From the lock: the installed set is gone, the wheelhouse too; the lock and the download cache are enough.
        Directory.Delete(Path.Combine(session.Dirs.Packages, "requirements"), recursive: true);
        Directory.Move(wheels, wheels + "-away");
        // Without the unit cache, which would restore the first run's install instead of installing from the lock.
        var fromLock = await Wasipy(["run", recipe, "--with", "idna", "--requirements", requirements, "--no-index", "--no-cache"]);
        Directory.Move(wheels + "-away", wheels);
        Assert.True(fromLock.Exit == 0, fromLock.Stdout + fromLock.Stderr);
        Assert.Contains("(1 step(s) run", fromLock.Stdout);
        output.WriteLine($"requirements unit: cold {UnitTime(cold.Stdout)} (run {cold.Took.TotalSeconds:0} s in all), from the lock {UnitTime(fromLock.Stdout)} " +
                         $"(run {fromLock.Took.TotalSeconds:0.0} s), nothing changed: run {again.Took.TotalSeconds:0.0} s");

        var compiled = await Wasipy(["run", recipe, "--requirements", dir.File("compiled/requirements.txt", "fastsum\n"), .. index]);
        Assert.Equal(1, compiled.Exit);
        Assert.Contains("fastsum has C extensions: write a package recipe (recipes/packages/fastsum.yaml)", compiled.Stdout + compiled.Stderr);

        var unknown = await Wasipy(["run", recipe, "--requirements", dir.File("unknown/requirements.txt", "nosuchpkg\n"), .. index]);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("pip: No matching distribution found for nosuchpkg", unknown.Stdout + unknown.Stderr);
        Assert.DoesNotContain("   at ", unknown.Stdout + unknown.Stdout + unknown.Stderr);

        // One changed byte in a locked wheel: the build stops naming it.
        var click = Path.Combine(wheels, "click-8.1.8-py3-none-any.whl");
        var bytes = File.ReadAllBytes(click);
        bytes[^1] ^= 1;
        File.WriteAllBytes(click, bytes);
        File.Delete(Path.Combine(session.Dirs.Downloads, "wheels", "click-8.1.8-py3-none-any.whl"));
        Directory.Delete(Path.Combine(session.Dirs.Packages, "requirements"), recursive: true);
        var tampered = await Wasipy(["run", recipe, "--with", "idna", "--requirements", requirements, "--no-cache", .. index]);
        Assert.Equal(1, tampered.Exit);
        Assert.Contains("click-8.1.8-py3-none-any.whl: its sha256 is", tampered.Stdout + tampered.Stderr);
    }
}
