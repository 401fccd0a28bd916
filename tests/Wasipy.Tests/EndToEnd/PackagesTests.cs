using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// CPython 3.13.15 with packages built in: C extensions (MarkupSafe, PyYAML over libyaml, msgpack through Cython from
/// its git repository) and pure-Python ones (Jinja2, idna), in one packed file that runs with nothing mapped under
/// Wasmtime and under Node's node:wasi. The offline mirror (../shared/mirror) serves Cython's repository.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection("CPython builds")]   // one at a time: they share the library sysroot and two cores
public class PackagesTests(ITestOutputHelper output)
{
    private static readonly string Mirror = Path.GetFullPath(Path.Combine(RepoRoot.Path, "..", "shared", "mirror"));

    private const string Program = """
        import json, markupsafe, markupsafe._speedups, jinja2, idna, yaml, msgpack, msgpack._cmsgpack, sys
        page = jinja2.Environment(autoescape=True).from_string('<li>{{ x }}</li>').render(x='<&>')
        doc = yaml.load('a: [1, 2.5, ü]', Loader=yaml.CSafeLoader)
        print(json.dumps([page, doc, msgpack.unpackb(msgpack.packb(doc)), idna.encode('bücher.de').decode(),
                          yaml.__with_libyaml__, markupsafe._escape_inner is markupsafe._speedups._escape_inner,
                          sorted(m for m in sys.builtin_module_names if '.' in m)], ensure_ascii=False))
        """;

    private const string Expected = """
        ["<li>&lt;&amp;&gt;</li>", {"a": [1, 2.5, "ü"]}, {"a": [1, 2.5, "ü"]}, "xn--bcher-kva.de", true, true, ["markupsafe._speedups", "msgpack._cmsgpack", "yaml._yaml"]]
        """;

    [Fact]
    public async Task Packages_with_c_extensions_and_pure_python_ones_run_from_one_file_under_both_hosts()
    {
        Assert.True(Directory.Exists(Mirror), $"the offline mirror {Mirror} is missing (shared/ beside the project)");
        var (session, python, log) = await BuiltPython.BuildAsync(Path.Combine(RepoRoot.Path, "recipes", "3.13.yaml"), output, null,
            "--with", "jinja2,idna,pyyaml,msgpack", "--mirror", Mirror);
        Assert.Equal("", python.HostPrefix);

        foreach (var host in WasiHosts.Names)
        {
            using var runner = WasiHosts.Create(host, session.ModuleCacheDir, session.Config.Root);
            var result = python.Run(runner, ["-c", Program]);
            Assert.True(result.Succeeded, $"{host}: {result.Stderr}{result.Trap}");
            Assert.Equal(Expected.Trim(), result.Stdout.Trim());
        }
        output.WriteLine($"packed size with packages: {new FileInfo(python.WasmPath).Length} bytes");
    }
}
