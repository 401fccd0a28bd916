using System.Diagnostics;
using Wasipy.Cli;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// The shared unit cache on the real 3.11 build: a copy of the project at another path restores every unit from the
/// unit cache this test run filled (the fixture's cold build; tests run with an empty WASIPY_CACHE_DIR of their own)
/// and its smoke test passes on the restored python.wasm.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class SharedCacheTests(CPythonBuilds builds, ITestOutputHelper output)
{
    [Fact]
    public async Task A_copy_of_the_project_at_another_path_restores_the_311_build_from_the_unit_cache_and_passes_its_smoke_test()
    {
        var (session, python, _) = await builds.BuildAsync(CPythonBuilds.Recipe("3.11.yaml"), output);
        using var elsewhere = new TempDir();
        var copy = global::Wasipy.Verify.Reproducibility.PrepareScratch(session, elsewhere.Combine("checkout"));

        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var clock = Stopwatch.StartNew();
        var exit = await WasipyCli.RunAsync(["run", copy.RecipePath], stdout, stderr);
        output.WriteLine($"{stdout}\n{stderr}\nrestored in {clock.Elapsed}");
        Assert.True(exit == 0, $"{stdout}\n{stderr}");

        var lines = stdout.ToString().Split('\n').Where(l => l.StartsWith('[')).ToList();
        // Built here: what is never cached (no outputs, or provenance), and fetch, whose download cache the copy
        // shares through a link (the unit cache restores nothing through a link).
        string[] built = ["libraries", "fetch", "packages", "provenance", "smoke-test"];
        foreach (var line in lines)
        {
            var step = line[(line.IndexOf(']') + 1)..].Trim().Split("  ")[0].Trim();
            if (line.Contains("skipped") || built.Contains(step)) continue;
            Assert.True(line.Contains("restored (local)") || line.Contains("not needed"), line);
        }
        Assert.Contains(lines, l => l.Contains("smoke-test") && l.Contains("done"));
        var restored = Path.Combine(elsewhere.Path, "checkout", Path.GetRelativePath(session.Dirs.Project, python.WasmPath));
        Assert.Equal(File.ReadAllBytes(python.WasmPath), File.ReadAllBytes(restored));
    }
}
