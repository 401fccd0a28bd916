using Wasipy.Cli;
using Wasipy.Tests.Support;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>`wasipy verify`: the packed 3.13 build, rebuilt from nothing in another folder, is byte-identical.</summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class ReproducibilityTests(CPythonBuilds builds, ITestOutputHelper output)
{
    [FullTierFact]
    public async Task The_packed_313_build_rebuilt_in_a_scratch_folder_is_byte_identical()
    {
        var (session, python, _) = await builds.BuildAsync("3.13.yaml", output);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await WasipyCli.RunAsync(["verify", CPythonBuilds.Recipe("3.13.yaml")], stdout, stderr);

        output.WriteLine(stdout.ToString());
        Assert.True(exit == 0, stdout + stderr.ToString());
        Assert.Contains("reproducible: 1 file(s) byte-identical", stdout.ToString());
        Assert.Contains($"same     {Wasipy.Caching.ContentHash.OfFile(python.WasmPath)}  bin/python3.13.wasm", stdout.ToString());
        Assert.False(Directory.Exists(Path.Combine(session.Dirs.Project, ".cache", "verify", "3.13.15-packed")));
        // The build's date is the source's, not the day it was built.
        var version = python.Run(builds.Wasmtime, ["-c", "import sys; print(sys.version)"]);
        Assert.Contains("(main, Aug  5 2026, 12:25:43)", version.Stdout);
    }
}
