using System.Collections;
using System.Diagnostics;
using Wasipy.SharedCache;
using Wasipy.Cli;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;
using Wasipy.Verify;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// The shared unit cache on the real 3.11 build: a copy of the project at another path restores every unit from the
/// unit cache this test run filled (the fixture's cold build; tests run with an empty WASIPY_CACHE_DIR of their own),
/// from the local folder or from a remote cache (nginx with WebDAV on 127.0.0.1), and its smoke test passes on the
/// restored python.wasm.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class SharedCacheTests(CPythonBuilds builds, ITestOutputHelper output)
{
    /// <summary>The cold build (the fixture's, or this test's when it runs first) on a loaded 2-core machine.</summary>
    private static readonly TimeSpan ColdBuild = TimeSpan.FromMinutes(90);
    /// <summary>A run that restores (the smoke test, 15 s, always runs); generous for a loaded machine.</summary>
    private static readonly TimeSpan Restore = TimeSpan.FromMinutes(15);

    /// <summary>Built in a copy, not restored: what has no outputs (libraries, packages, smoke-test), provenance (its
    /// MANIFEST.json names the folder's keys), and fetch, whose download cache the copy shares through a link (the unit
    /// cache restores nothing through a link).</summary>
    private static readonly string[] BuiltInACopy = ["libraries", "fetch", "packages", "provenance", "smoke-test"];

    [Fact]
    public async Task A_copy_of_the_project_at_another_path_restores_the_311_build_from_the_unit_cache_and_passes_its_smoke_test()
    {
        using var elsewhere = new TempDir();
        var (session, python) = await CachedBuildAsync(elsewhere);
        var copy = Reproducibility.PrepareScratch(session, elsewhere.Combine("checkout"));

        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var clock = Stopwatch.StartNew();
        var exit = await WasipyCli.RunAsync(["run", copy.RecipePath], stdout, stderr).WaitAsync(Restore);
        output.WriteLine($"{stdout}\n{stderr}\nrestored in {clock.Elapsed}");
        Assert.True(exit == 0, $"{stdout}\n{stderr}");

        var lines = stdout.ToString().Split('\n').Where(l => l.StartsWith('[')).ToList();
        foreach (var line in lines)
        {
            var step = line[(line.IndexOf(']') + 1)..].Trim().Split("  ")[0].Trim();
            if (line.Contains("skipped") || BuiltInACopy.Contains(step)) continue;
            Assert.True(line.Contains("restored (local)") || line.Contains("not needed"), line);
        }
        Assert.Contains(lines, l => l.Contains("configure") && l.Contains("restored (local)"));
        Assert.Contains(lines, l => l.Contains("smoke-test") && l.Contains("done"));
        Assert.Equal(File.ReadAllBytes(python.WasmPath), File.ReadAllBytes(InCopy(session, elsewhere.Combine("checkout"), python.WasmPath)));
    }

    [Fact]
    public async Task A_checkout_with_an_empty_local_cache_restores_the_311_build_from_a_remote_cache_and_passes_its_smoke_test()
    {
        using var elsewhere = new TempDir();
        var (session, python) = await CachedBuildAsync(elsewhere);
        using var server = new NginxCache();

        // A first copy reads the local cache this test run filled and gives the remote cache what it lacks.
        var first = Reproducibility.PrepareScratch(session, elsewhere.Combine("first"));
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await WasipyCli.RunAsync(["run", first.RecipePath, "--remote-cache", server.Url], stdout, stderr).WaitAsync(Restore);
        output.WriteLine($"{stdout}\n{stderr}");
        Assert.True(exit == 0, $"{stdout}\n{stderr}");
        Assert.DoesNotContain("remote cache", stderr.ToString());
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(server.Store, "ac")));
        Assert.True(server.Requests("PUT") > 0);

        // A second copy, at a third path, with a local cache of its own that is empty: everything comes from the server.
        using var emptyLocal = new TempDir();
        var second = Reproducibility.PrepareScratch(session, elsewhere.Combine("second")) with
        {
            Cache = new CacheRequest { RemoteUrl = server.Url },
            Environment = ProcessEnvironment(emptyLocal.Path),
        };
        var warnings = new StringWriter();
        using var limit = new CancellationTokenSource(Restore);
        var clock = Stopwatch.StartNew();
        var outcomes = await new PipelineRunner(BuildSession.Open(second), new RecordingReporter(), warnings: warnings).RunAsync(limit.Token);
        output.WriteLine(string.Join('\n', outcomes.Select(o => $"{o.Step}: {o.Status} {o.From} {o.Duration.TotalSeconds:0.0}s")) + $"\nrestored in {clock.Elapsed}");

        Assert.Equal("", warnings.ToString());
        foreach (var o in outcomes.Where(o => o.Status != StepStatus.Skipped && !BuiltInACopy.Contains(o.Step)))
            Assert.True(o.Status == StepStatus.Deferred || (o.Status, o.From) == (StepStatus.Restored, $"remote {server.Url}"), $"{o.Step}: {o.Status} {o.From}");
        Assert.Contains(outcomes, o => o.Step == "make" && o.Status == StepStatus.Restored);
        Assert.Contains(outcomes, o => o.Step == "smoke-test" && o.Status == StepStatus.Done);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(emptyLocal.Path, "ac")));
        Assert.Equal(File.ReadAllBytes(python.WasmPath), File.ReadAllBytes(InCopy(session, elsewhere.Combine("second"), python.WasmPath)));
    }

    /// <summary>
    /// A 3.11 build whose units this test run's unit cache holds: the fixture's, when its units are there (it built in
    /// this run: a cold build stores every unit); when the fixture's build tree was already up to date from an earlier
    /// run, the cache (empty at the start of every test run) lacks them, so a copy of the project is built from nothing
    /// under <paramref name="scratch"/> first. The addresses are `plan`'s, in the build's own folder.
    /// </summary>
    private async Task<(BuildSession Session, PythonInstall Python)> CachedBuildAsync(TempDir scratch)
    {
        var (session, python, _) = await builds.BuildAsync(CPythonBuilds.Recipe("3.11.yaml"), output).WaitAsync(ColdBuild);
        using var limit = new CancellationTokenSource(Restore);
        var states = await new PipelineRunner(session, new RecordingReporter()).PlanAsync(limit.Token);
        var store = new LocalUnitStore(IsolatedUnitCache.Directory);
        var missing = states.Where(s => s.Unit.Enabled && !BuiltInACopy.Contains(s.Unit.Title) && store.Entry(s.Address) is null)
            .Select(s => s.Unit.Title).ToList();
        if (missing.Count == 0) return (session, python);
        output.WriteLine($"the unit cache lacks {string.Join(", ", missing)} (the build tree is from an earlier run): building a copy from nothing");
        var origin = Reproducibility.PrepareScratch(session, scratch.Combine("origin"));
        var (built, _, _) = await builds.BuildAsync(origin.RecipePath, output).WaitAsync(ColdBuild);
        return (built, built.Product!);
    }

    /// <summary>Where <paramref name="path"/> of the project is in a copy of it at <paramref name="copy"/>.</summary>
    private static string InCopy(BuildSession session, string copy, string path) =>
        Path.Combine(copy, Path.GetRelativePath(session.Dirs.Project, path));

    /// <summary>This process's environment with another local unit cache.</summary>
    private static Dictionary<string, string> ProcessEnvironment(string cacheDir)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        environment[CacheSettings.DirVariable] = cacheDir;
        return environment;
    }
}
