using System.Diagnostics;
using Wasipy.Errors;
using Wasipy.Recipes;
using Wasipy.Templates;
using Wasipy.Wasm;

namespace Wasipy.Regrtest;

public enum TestStatus { Passed, Failed, Skipped, ExpectedFailure }

public sealed record TestOutcome(string Test, TestStatus Status, TimeSpan Duration, string LogPath);

/// <summary>
/// Runs CPython's regression tests (`python -m test NAME`, one process per test) with the build tree's
/// python.wasm under Wasmtime: the source and build folders are mapped at their own paths (so getpath sees
/// a build tree), and "/" and /tmp at fresh empty folders. A failure listed in the recipe's expected_failures does not count.
/// </summary>
public sealed class RegrtestRunner(Pipeline.BuildSession session, TextWriter output, string runtime = WasiHosts.Wasmtime)
{
    public IReadOnlyList<TestOutcome> Run(IReadOnlyList<string> requested)
    {
        var config = session.Config.Regrtest
                     ?? throw new WasipyException($"{session.Config.FilePath} has no regrtest section (wasm, map), so wasipy cannot run tests", 2);
        var recipe = session.Recipe.Regrtest;
        var tests = requested.Count > 0 ? requested : recipe.Tests;
        if (tests.Count == 0)
            throw new WasipyException($"no tests named and {session.Recipe.FilePath} lists none under regrtest.tests", 2);
        string Render(string t, string what) => Path.GetFullPath(TemplateRenderer.Render(t, session.Model, Quoting.None, $"{session.Config.FilePath}: regrtest.{what}"));
        var wasm = Render(config.Wasm, "wasm");
        var maps = config.Map.Select((m, i) => Render(m, $"map[{i}]")).ToList();
        var logs = Path.Combine(session.LogsDir, "regrtest");
        Directory.CreateDirectory(logs);

        var unittest = recipe.Runner == RegrtestSpec.Unittest;
        using var runner = WasiHosts.Create(runtime, session.ModuleCacheDir, session.Config.Root);
        var outcomes = new List<TestOutcome>();
        foreach (var test in tests)
        {
            var tmp = Directory.CreateTempSubdirectory("wasipy-regrtest-");
            var clock = Stopwatch.StartNew();
            try
            {
                var result = runner.Run(new WasiRun
                {
                    WasmPath = wasm,
                    Args = unittest ? [wasm, "-m", "unittest", "test." + test] : [wasm, "-m", "test", test],
                    // An empty "/" too: regrtest goes back to its starting directory, which is "/" under WASI.
                    Preopens = [new Preopen(tmp.CreateSubdirectory("root").FullName, "/"), .. maps.Select(m => new Preopen(m, m)),
                        new Preopen(tmp.CreateSubdirectory("tmp").FullName, "/tmp")],
                    Environment = new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1", ["TMPDIR"] = "/tmp" },
                    Timeout = TimeSpan.FromSeconds(recipe.TimeoutSeconds),
                });
                var log = Path.Combine(logs, test + ".log");
                File.WriteAllText(log, $"exit {result.ExitCode}{(result.Trap is null ? "" : $", trap: {result.Trap}")}\n{result.Stdout}\n{result.Stderr}");
                var status = (unittest ? ClassifyUnittest(result) : Classify(result)) switch
                {
                    TestStatus.Failed when recipe.ExpectedFailures.Contains(test) => TestStatus.ExpectedFailure,
                    var s => s,
                };
                var outcome = new TestOutcome(test, status, clock.Elapsed, log);
                outcomes.Add(outcome);
                output.WriteLine($"{test,-28} {Label(status),-16} {Text.Durations.Format(clock.Elapsed)}");
                if (status == TestStatus.Passed && recipe.ExpectedFailures.Contains(test))
                    output.WriteLine($"  note: {test} passes now; remove it from regrtest.expected_failures in {session.Recipe.FilePath}");
                if (status == TestStatus.Failed) output.WriteLine($"  log: {log}");
            }
            finally
            {
                tmp.Delete(recursive: true);
            }
        }
        return outcomes;
    }

    /// <summary>regrtest exits 0 when the test passed or was skipped as a whole; it says which.</summary>
    internal static TestStatus Classify(WasiResult result)
    {
        if (!result.Succeeded) return TestStatus.Failed;
        var text = result.Stdout;
        return text.Contains("1 test skipped", StringComparison.Ordinal) || text.Contains("Tests result: NO TESTS RAN", StringComparison.Ordinal)
            ? TestStatus.Skipped
            : TestStatus.Passed;
    }

    /// <summary>unittest exits 0 when every test passed or was skipped; a module skipped as a whole is one skipped test.</summary>
    internal static TestStatus ClassifyUnittest(WasiResult result)
    {
        if (!result.Succeeded) return TestStatus.Failed;
        var text = result.Stderr;
        return text.Contains("Ran 0 tests", StringComparison.Ordinal) ||
               (text.Contains("Ran 1 test in ", StringComparison.Ordinal) && text.Contains("OK (skipped=1)", StringComparison.Ordinal))
            ? TestStatus.Skipped
            : TestStatus.Passed;
    }

    private static string Label(TestStatus status) => status switch
    {
        TestStatus.Passed => "pass",
        TestStatus.Failed => "FAIL",
        TestStatus.Skipped => "skip",
        _ => "fail (expected)",
    };
}
