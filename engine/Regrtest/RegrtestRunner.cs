using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wasipy.Errors;
using Wasipy.Recipes;
using Wasipy.Templates;
using Wasipy.Wasm;

namespace Wasipy.Regrtest;

public enum TestStatus { Passed, Failed, Skipped, ExpectedFailure, TimedOut, Crashed }

/// <summary>One test module's result; <see cref="Cause"/> is the recipe's reason when the failure is expected.</summary>
public sealed record TestOutcome(string Test, TestStatus Status, TimeSpan Duration, string LogPath)
{
    public string FirstError { get; init; } = "";
    public string? Cause { get; init; }
}

/// <summary>What to run: named tests (or the recipe's), or every test module (--all), with N at a time, and the
/// variables the user adds (`--env`, `--env-file`) to every test's environment.</summary>
public sealed record RegrtestRequest(IReadOnlyList<string> Tests, bool All = false, int Jobs = 1, int? TimeoutSeconds = null)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Runs CPython's regression tests (`python -m test NAME`, one process per test module) with the build tree's
/// python.wasm: the source and build folders are mapped at their own paths (so getpath sees a build tree), and "/"
/// and /tmp at fresh empty folders. A failure the recipe expects (regrtest.expected_failures, or
/// regrtest.known_failures grouped by cause) does not count. With --all, every module runs, N at a time, each with
/// its time limit, and the results go to results/&lt;version&gt;[-&lt;variant&gt;].json.
/// </summary>
public sealed partial class RegrtestRunner(Pipeline.BuildSession session, TextWriter output, string runtime = WasiHosts.Wasmtime)
{
    public IReadOnlyList<TestOutcome> Run(RegrtestRequest request)
    {
        var config = session.Config.Regrtest
                     ?? throw new WasipyException($"{session.Config.FilePath} has no regrtest section (wasm, map), so wasipy cannot run tests", 2);
        var recipe = session.Recipe.Regrtest;
        var tests = request.All ? Discover() : request.Tests.Count > 0 ? request.Tests : recipe.Tests;
        if (tests.Count == 0)
            throw new WasipyException($"no tests named and {session.Recipe.FilePath} lists none under regrtest.tests", 2);
        string Render(string t, string what) => Path.GetFullPath(TemplateRenderer.Render(t, session.Model, Quoting.None, $"{session.Config.FilePath}: regrtest.{what}"));
        var wasm = Render(config.Wasm, "wasm");
        var maps = config.Map.Select((m, i) => Render(m, $"map[{i}]")).ToList();
        // One folder per host, so that the suites of both hosts can run at once.
        var logs = Path.Combine(session.Dirs.Logs, runtime == WasiHosts.Wasmtime ? "regrtest" : $"regrtest-{runtime}");
        Directory.CreateDirectory(logs);
        Prepare(config, logs);
        var timeout = TimeSpan.FromSeconds(request.TimeoutSeconds ?? recipe.TimeoutSeconds);
        // A cause from known_failures first; a test only in expected_failures is "expected (see the recipe)".
        var hostFailures = recipe.HostFailures.GetValueOrDefault(runtime) ?? new Dictionary<string, IReadOnlyList<string>>();
        var expected = recipe.KnownFailures.Concat(hostFailures.Select(kv => KeyValuePair.Create($"{kv.Key} ({runtime} only)", kv.Value)))
            .SelectMany(kv => kv.Value.Select(t => (Test: t, Cause: kv.Key)))
            .Concat(recipe.ExpectedFailures.Select(t => (Test: t, Cause: "expected (see the recipe's comment)")))
            .GroupBy(e => e.Test).ToDictionary(g => g.Key, g => g.First().Cause);

        // Modules the recipe does not start (they would only wait for their time limit), unless named on the command line.
        var notRun = request.Tests.Count > 0 ? new Dictionary<string, string>()
            : recipe.NotRun.SelectMany(kv => kv.Value.Select(t => (Test: t, Cause: kv.Key))).GroupBy(e => e.Test).ToDictionary(g => g.Key, g => g.First().Cause);
        TimeSpan TimeLimit(string test) => recipe.Timeouts.TryGetValue(test, out var seconds) ? TimeSpan.FromSeconds(seconds) : timeout;

        var unittest = recipe.Runner == RegrtestSpec.Unittest;
        using var runner = WasiHosts.Create(runtime, session.Dirs.ModuleCache, session.Config.Root);
        var outcomes = new ConcurrentBag<TestOutcome>();
        var printing = new Lock();
        foreach (var test in tests.Where(notRun.ContainsKey))
        {
            outcomes.Add(new TestOutcome(test, TestStatus.Skipped, TimeSpan.Zero, "") { FirstError = $"not run: {notRun[test]} (the recipe's regrtest.not_run)" });
            output.WriteLine($"{test,-32} {Label(TestStatus.Skipped),-16} not run: {notRun[test]}");
        }
        Parallel.ForEach(tests.Where(t => !notRun.ContainsKey(t)), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, request.Jobs) }, test =>
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
                    Environment = new Dictionary<string, string>(request.Environment) { ["PYTHONDONTWRITEBYTECODE"] = "1", ["TMPDIR"] = "/tmp" },
                    Timeout = TimeLimit(test),
                });
                var log = Path.Combine(logs, test + ".log");
                File.WriteAllText(log, $"exit {result.ExitCode}{(result.Trap is null ? "" : $", trap: {result.Trap}")}\n{result.Stdout}\n{result.Stderr}");
                var cause = expected.GetValueOrDefault(test);
                // A failure, time-out or crash the recipe names (with its cause) is expected; its first error stays.
                var status = (unittest ? ClassifyUnittest(result) : Classify(result)) switch
                {
                    TestStatus.Failed or TestStatus.TimedOut or TestStatus.Crashed when cause is not null => TestStatus.ExpectedFailure,
                    var s => s,
                };
                var outcome = new TestOutcome(test, status, clock.Elapsed, log)
                {
                    FirstError = status switch { TestStatus.Passed => "", TestStatus.Skipped => SkipReason(result), _ => FirstError(result) },
                    Cause = status == TestStatus.ExpectedFailure ? cause : null,
                };
                outcomes.Add(outcome);
                lock (printing)
                {
                    output.WriteLine($"{test,-32} {Label(status),-16} {Cli.Durations.Format(clock.Elapsed)}");
                    if (status == TestStatus.Passed && cause is not null)
                        output.WriteLine($"  note: {test} passes now; remove it from the recipe's expected failures ({session.Recipe.FilePath})");
                    if (status is TestStatus.Failed or TestStatus.TimedOut or TestStatus.Crashed)
                        output.WriteLine($"  {outcome.FirstError}\n  log: {log}");
                }
            }
            finally
            {
                tmp.Delete(recursive: true);
            }
        });
        var sorted = outcomes.OrderBy(o => o.Test, StringComparer.Ordinal).ToList();
        if (request.All) WriteResults(sorted, timeout, request.Jobs);
        return sorted;
    }

    /// <summary>wasipy.yaml's regrtest.prepare commands, in the build folder, in order; one that fails or outlasts
    /// <see cref="PrepareTimeLimit"/> stops the run (exit 1) with its log.</summary>
    private void Prepare(Project.RegrtestConfig config, string logs)
    {
        if (config.Prepare.Count == 0) return;
        var path = Path.Combine(logs, "prepare.log");
        using var log = new Processes.StepLog(path);
        for (var i = 0; i < config.Prepare.Count; i++)
        {
            var command = TemplateRenderer.Render(config.Prepare[i], session.Model, Quoting.Shell, $"{session.Config.FilePath}: regrtest.prepare[{i}]");
            using var limit = new CancellationTokenSource(PrepareTimeLimit);
            int exit;
            try { exit = Processes.ShellRunner.RunAsync(command, session.Dirs.Build, session.Environment, log, limit.Token).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                throw new WasipyException($"regrtest.prepare[{i}] did not finish within {PrepareTimeLimit.TotalMinutes:0} minutes; see {path}", 1);
            }
            if (exit != 0)
                throw new WasipyException($"regrtest.prepare[{i}] (before the tests) exited with code {exit}; see {path}", 1);
        }
    }

    internal static readonly TimeSpan PrepareTimeLimit = TimeSpan.FromMinutes(10);

    /// <summary>Every test module of the source's Lib/test: test_*.py files and test_* packages.</summary>
    private IReadOnlyList<string> Discover()
    {
        var dir = Path.Combine(session.Dirs.Build, "src", "Lib", "test");
        if (!Directory.Exists(dir))
            throw new WasipyException($"{dir} does not exist: build the recipe first (wasipy run)", 1);
        return Directory.GetFiles(dir, "test_*.py").Select(Path.GetFileNameWithoutExtension)
            .Concat(Directory.GetDirectories(dir, "test_*").Where(d => File.Exists(Path.Combine(d, "__init__.py"))).Select(Path.GetFileName))
            .Select(n => n!).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private void WriteResults(IReadOnlyList<TestOutcome> outcomes, TimeSpan timeout, int jobs)
    {
        var path = ResultsPath(session.Config.Root, session.Recipe.Version, session.Recipe.Variant, runtime);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var counts = Enum.GetValues<TestStatus>().ToDictionary(s => Key(s), s => outcomes.Count(o => o.Status == s));
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            version = session.Recipe.Version,
            variant = session.Recipe.Variant,
            runtime,
            timeout_seconds = timeout.TotalSeconds,
            module_timeouts = session.Recipe.Regrtest.Timeouts,
            jobs,
            counts,
            // Why modules were skipped as a whole, the most common reason first.
            skipped_by_reason = outcomes.Where(o => o.Status == TestStatus.Skipped).GroupBy(o => o.FirstError.Length > 0 ? o.FirstError : "(no reason given)")
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(o => o.Test)),
            expected_by_cause = outcomes.Where(o => o.Cause is not null).GroupBy(o => o.Cause!).ToDictionary(g => g.Key, g => g.Select(o => o.Test)),
            tests = outcomes.Select(o => new { name = o.Test, status = Key(o.Status), seconds = Math.Round(o.Duration.TotalSeconds, 1), first_error = o.FirstError, cause = o.Cause }),
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        output.WriteLine($"regrtest: wrote {path}");
    }

    /// <summary>results/X.Y.Z.json for the engine's runner. A variant's results are its own (results/3.13.15-threads.json),
    /// as its build folder is, and so are another host's (results/3.13.15-node.json, results/3.13.15-threads-node.json).</summary>
    internal static string ResultsPath(string root, string version, string? variant, string runtime) =>
        Path.Combine(root, "results", version + (variant is { } v ? "-" + v : "") + (runtime == WasiHosts.Wasmtime ? "" : "-" + runtime) + ".json");

    private static string Key(TestStatus status) => status switch
    {
        TestStatus.ExpectedFailure => "expected_failure",
        TestStatus.TimedOut => "timed_out",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>regrtest exits 0 when the test passed or was skipped as a whole; it says which. A time-out or a trap
    /// (or an abort) is not a failure of the test's own asserts, and is reported as such.</summary>
    internal static TestStatus Classify(WasiResult result)
    {
        if (Unfinished(result) is { } status) return status;
        var text = result.Stdout;
        // A module skipped as a whole (a resource not enabled, a platform it does not support): regrtest 3.13 exits 4;
        // a module that ran no test: 3.9-3.10 say "NO TEST RUN" and exit 0.
        if (text.Contains("Tests result: NO TESTS RAN", StringComparison.Ordinal) || text.Contains("Tests result: NO TEST RUN", StringComparison.Ordinal))
            return TestStatus.Skipped;
        if (!result.Succeeded) return TestStatus.Failed;
        return text.Contains("1 test skipped", StringComparison.Ordinal) ? TestStatus.Skipped : TestStatus.Passed;
    }

    /// <summary>unittest exits 0 when every test passed or was skipped; a module skipped as a whole is one skipped test.</summary>
    internal static TestStatus ClassifyUnittest(WasiResult result)
    {
        if (Unfinished(result) is { } status) return status;
        if (!result.Succeeded) return TestStatus.Failed;
        var text = result.Stderr;
        return text.Contains("Ran 0 tests", StringComparison.Ordinal) ||
               (text.Contains("Ran 1 test in ", StringComparison.Ordinal) && text.Contains("OK (skipped=1)", StringComparison.Ordinal))
            ? TestStatus.Skipped
            : TestStatus.Passed;
    }

    private static TestStatus? Unfinished(WasiResult result) =>
        result.Trap is { } trap ? trap.StartsWith("timed out", StringComparison.Ordinal) ? TestStatus.TimedOut : TestStatus.Crashed
        : result.ExitCode == 134 ? TestStatus.Crashed   // abort()
        : null;

    /// <summary>The first line that says what went wrong: a unittest FAIL/ERROR header, an exception, or the trap.</summary>
    internal static string FirstError(WasiResult result)
    {
        if (result.Trap is { } trap) return $"trap: {trap.Split('\n')[0]}";
        var lines = (result.Stdout + "\n" + result.Stderr).Split('\n').Select(l => l.TrimEnd()).ToList();
        var header = lines.FindIndex(l => l.StartsWith("FAIL: ", StringComparison.Ordinal) || l.StartsWith("ERROR: ", StringComparison.Ordinal));
        if (header >= 0)
        {
            // The exception line that follows the header's traceback says more than the test's name.
            var error = lines.Skip(header + 1).FirstOrDefault(l => ExceptionLine().IsMatch(l));
            return error is null ? lines[header] : $"{lines[header]}: {error.Trim()}";
        }
        return lines.LastOrDefault(l => ExceptionLine().IsMatch(l))?.Trim() ?? lines.LastOrDefault(l => l.Length > 0) ?? $"exit {result.ExitCode}";
    }

    /// <summary>Why a module was skipped as a whole: regrtest's "test_x skipped -- REASON", unittest's "skipped 'REASON'".</summary>
    internal static string SkipReason(WasiResult result)
    {
        var text = result.Stdout + "\n" + result.Stderr;
        var match = RegrtestSkip().Match(text);
        if (!match.Success) match = UnittestSkip().Match(text);
        return match.Success ? match.Groups[1].Value.Trim() : "";
    }

    [GeneratedRegex(@"^\S+ skipped -- (.+)$", RegexOptions.Multiline)]
    private static partial Regex RegrtestSkip();

    [GeneratedRegex(@"skipped '(.+)'$", RegexOptions.Multiline)]
    private static partial Regex UnittestSkip();

    [GeneratedRegex(@"^\s*[A-Za-z_][\w.]*(Error|Exception|Exit|Failure|Interrupt)\b.*")]
    private static partial Regex ExceptionLine();

    private static string Label(TestStatus status) => status switch
    {
        TestStatus.Passed => "pass",
        TestStatus.Failed => "FAIL",
        TestStatus.Skipped => "skip",
        TestStatus.TimedOut => "TIMED OUT",
        TestStatus.Crashed => "CRASHED",
        _ => "fail (expected)",
    };
}
