using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// CPython 3.13.15 with packages built in: numpy 2.2.4 and C extensions (MarkupSafe, PyYAML over libyaml, msgpack
/// through Cython from its git repository) and pure-Python ones (Jinja2, idna), in one packed file that runs with
/// nothing mapped under Wasmtime and under Node's node:wasi. The offline mirror (../shared/mirror) serves the git
/// repositories (numpy and its submodules, Cython). Expected numbers are native numpy 2.2.4's.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class PackagesTests(CPythonBuilds builds, ITestOutputHelper output)
{
    private const string Program = """
        import json, markupsafe, markupsafe._speedups, jinja2, idna, yaml, msgpack, msgpack._cmsgpack, sys, numpy as np
        page = jinja2.Environment(autoescape=True).from_string('<li>{{ x }}</li>').render(x='<&>')
        doc = yaml.load('a: [1, 2.5, ü]', Loader=yaml.CSafeLoader)
        print(json.dumps([page, doc, msgpack.unpackb(msgpack.packb(doc)), idna.encode('bücher.de').decode(),
                          yaml.__with_libyaml__, markupsafe._escape_inner is markupsafe._speedups._escape_inner,
                          sorted(m for m in sys.builtin_module_names if '.' in m and not m.startswith('numpy'))], ensure_ascii=False))
        a = np.array([[1.0, 2.0], [3.0, 4.0]])
        print(json.dumps([(a @ a).tolist(), np.linalg.solve([[3, 1], [1, 2]], [9, 8]).tolist(),
                          [[c.real, c.imag] for c in np.fft.fft([1, 2, 3, 4])], np.random.default_rng(1).normal(size=1000).mean(),
                          np.__version__]))
        for bad in (lambda: np.array([1, 2, 3]) + 'a', lambda: np.ones((2, 3)) + np.ones(4)):
            try: bad()
            except (TypeError, ValueError) as e: print(type(e).__name__)
        """;

    private const string Expected = """
        ["<li>&lt;&amp;&gt;</li>", {"a": [1, 2.5, "ü"]}, {"a": [1, 2.5, "ü"]}, "xn--bcher-kva.de", true, true, ["markupsafe._speedups", "msgpack._cmsgpack", "yaml._yaml"]]
        [[[7.0, 10.0], [15.0, 22.0]], [2.0, 3.0], [[10.0, 0.0], [-2.0, 2.0], [-2.0, 0.0], [-2.0, -2.0]], -0.05425322276336561, "2.2.4"]
        UFuncTypeError
        ValueError
        """;

    [Fact]
    public async Task Packages_with_c_extensions_and_pure_python_ones_run_from_one_file_under_both_hosts()
    {
        Assert.True(Directory.Exists(CPythonBuilds.Mirror), $"the offline mirror {CPythonBuilds.Mirror} is missing (shared/ beside the project)");
        var (session, python, log) = await builds.BuildAsync("3.13.yaml", output, null,
            "--with", "numpy,pyyaml,markupsafe,msgpack,jinja2,idna", "--mirror", CPythonBuilds.Mirror);
        Assert.Equal("", python.HostPrefix);

        foreach (var host in WasiHosts.Names)
        {
            using var runner = WasiHosts.Create(host, session.Dirs.ModuleCache, session.Config.Root);
            var result = python.Run(runner, ["-c", Program]);
            Assert.True(result.Succeeded, $"{host}: {result.Stderr}{result.Trap}");
            Assert.Equal(Expected.Trim(), result.Stdout.Trim());
        }
        var size = new FileInfo(python.WasmPath).Length;
        output.WriteLine($"packed size with packages: {size} bytes");
        Assert.True(size <= 25 * 1024 * 1024, $"the packed file with numpy is {size} bytes, over the 25 MiB goal");
    }
}
