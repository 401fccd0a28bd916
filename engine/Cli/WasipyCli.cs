using System.CommandLine;
using System.Diagnostics;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Pipeline.Actions;
using Wasipy.Wasm;

namespace Wasipy.Cli;

/// <summary>The command line: run, exec. Expected failures print their message only and exit 1 (or 2 for bad input).</summary>
public static class WasipyCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        using var signals = new Signals();
        var reporter = new ConsoleReporter(stdout, !Console.IsOutputRedirected);
        var recipe = new Argument<string>("recipe") { Description = "A recipe file, e.g. recipes/3.11.yaml" };
        var config = new Option<string?>("--config") { Description = "wasipy.yaml to use (default: found from the recipe's folder upwards)" };
        var source = new Option<string?>("--source") { Description = "Build from this local CPython checkout instead of the recipe's archive (copied, never modified)" };
        var mirror = new Option<string[]>("--mirror") { Description = "A folder holding pre-fetched source archives by file name (repeatable)", AllowMultipleArgumentsPerToken = false };
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Parallel make jobs (default: one per core)" };
        var toolchain = new Option<string?>("--toolchain") { Description = "Toolchain from wasipy.yaml (default: wasi-sdk when WASI_SDK_PATH is set, else debian)" };
        var stdlib = new Option<string?>("--stdlib") { Description = "How the standard library ships: packed (one file, default), packed-source, mapped or zip" };
        var runtime = new Option<string>("--runtime") { Description = "The WASI host: wasmtime (in-process, default) or node (Node's node:wasi)", DefaultValueFactory = _ => WasiHosts.Wasmtime };
        runtime.AcceptOnlyFromAmong([.. WasiHosts.Names]);
        var timing = new Option<bool>("--timing") { Description = "Print the guest's run time (its _start, without compiling) on stderr" };
        var snapshot = new Option<bool>("--snapshot") { Description = "A pre-initialised python.wasm (Wizer) that starts in milliseconds; where the recipe has snapshot.available" };
        var app = new Option<string?>("--app") { Description = "A folder of your Python code to put into python.wasm's site-packages" };
        var appMain = new Option<string?>("--app-main") { Description = "The module python.wasm runs when given no arguments (-m semantics)" };
        var with = new Option<string[]>("--with") { Description = "Also build these packages into python.wasm (recipes/packages/NAME.yaml), e.g. --with jinja2,idna" };
        jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is <= 0) r.AddError("--jobs must be 1 or more");
        });
        var verbose = new Option<bool>("--verbose") { Description = "On an unexpected error, print the whole trace", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print JSON for programs instead of lines for people" };

        var run = new Command("run", "Build CPython for wasm32-wasi from a recipe; unchanged steps are not run again") { recipe, config, source, mirror, jobs, toolchain, stdlib, with, snapshot, app, appMain };
        run.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, async () =>
        {
            var session = BuildSession.Open(Options(parse, recipe, config, source, mirror, jobs, toolchain, stdlib, with, snapshot, app, appMain));
            stdout.WriteLine($"wasipy: CPython {session.Recipe.Version}, stdlib {session.Stdlib}, toolchain '{session.ToolchainName}', in {session.Dirs.Build}");
            var clock = Stopwatch.StartNew();
            var outcomes = await reporter.ShowAsync(() => new PipelineRunner(session, reporter).RunAsync(signals.Token));
            var ran = outcomes.Count(o => o.Status == StepStatus.Done);
            var cached = outcomes.Count(o => o.Status == StepStatus.Cached);
            var left = outcomes.Where(o => o.Status == StepStatus.OptionalFailed).Select(o => o.Step).ToList();
            stdout.WriteLine($"wasipy: done in {ConsoleReporter.Format(clock.Elapsed)} ({ran} step(s) run, {cached} cached" +
                             (left.Count > 0 ? $"; optional and left out: {string.Join(", ", left)}" : "") + ")");
            if (session.Product is { } python && File.Exists(python.WasmPath))
                stdout.WriteLine($"wasipy: run it with: {python.WasmtimeCommand()}");
            return 0;
        }));

        var plan = new Command("plan", "Show which steps a run would take from the cache and which it would run, and why; runs nothing") { recipe, config, source, mirror, toolchain, stdlib, with, snapshot, app, appMain, json };
        plan.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, async () =>
        {
            var session = BuildSession.Open(Options(parse, recipe, config, source, mirror, null, toolchain, stdlib, with, snapshot, app, appMain));
            var states = await new PipelineRunner(session, new ConsoleReporter(stdout, false)).PlanAsync(signals.Token);
            if (parse.GetValue(json)) stdout.WriteLine(PlanReport.Json(states));
            else PlanReport.Print(states, stdout);
            return 0;
        }));

        var stepName = new Argument<string>("step") { Description = "A step or library, e.g. configure or 'libraries: zlib'" };
        var why = new Command("why", "Show what changed between the last two builds of a step (its key's components)") { recipe, stepName, config, toolchain, stdlib, with, snapshot, app, appMain };
        why.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, () =>
        {
            var session = BuildSession.Open(Options(parse, recipe, config, null, null, null, toolchain, stdlib, with, snapshot, app, appMain));
            var units = UnitPlanner.Plan(session);
            var name = parse.GetValue(stepName)!;
            var unit = units.FirstOrDefault(u => u.Title == name || u.Id == name)
                       ?? throw new WasipyException($"no step or library '{name}' in this build; it has: {string.Join(", ", units.Select(u => u.Title))}", 2);
            PlanReport.PrintWhy(unit, stdout);
            return Task.FromResult(0);
        }));

        var keep = new Option<bool>("--keep") { Description = "Keep the scratch copy and its build even when the rebuild is identical" };
        var verify = new Command("verify", "Build, rebuild from nothing in a scratch copy of the project, and compare what ships byte for byte") { recipe, config, source, mirror, jobs, toolchain, stdlib, with, snapshot, app, appMain, keep };
        verify.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, async () =>
        {
            var session = BuildSession.Open(Options(parse, recipe, config, source, mirror, jobs, toolchain, stdlib, with, snapshot, app, appMain));
            stdout.WriteLine($"wasipy: building CPython {session.Recipe.Version} ({session.Stdlib}) in {session.Dirs.Build}");
            await reporter.ShowAsync(() => new PipelineRunner(session, reporter).RunAsync(signals.Token));
            var scratch = Verify.Reproducibility.ScratchRoot(session);
            var rebuild = BuildSession.Open(Verify.Reproducibility.PrepareScratch(session, scratch));
            stdout.WriteLine($"wasipy: rebuilding from nothing in {rebuild.Dirs.Build}");
            var clock = Stopwatch.StartNew();
            await reporter.ShowAsync(() => new PipelineRunner(rebuild, reporter).RunAsync(signals.Token));
            var dist = Path.Combine("dist", session.Dist);
            var result = Verify.Reproducibility.Compare(Path.Combine(session.Dirs.Build, dist), Path.Combine(rebuild.Dirs.Build, dist));
            stdout.WriteLine($"wasipy: rebuilt in {ConsoleReporter.Format(clock.Elapsed)}; compared {dist}/ (not {string.Join(", ", Verify.Reproducibility.NotCompared)}: they name the build folder's step keys)");
            foreach (var (file, sha) in result.Identical) stdout.WriteLine($"  same     {sha}  {file}");
            foreach (var d in result.Differences) stdout.WriteLine($"  DIFFERS  {d.Built ?? "(missing)"} vs {d.Rebuilt ?? "(missing)"}  {d.File}");
            if (result.Reproducible)
            {
                stdout.WriteLine($"reproducible: {result.Identical.Count} file(s) byte-identical");
                if (!parse.GetValue(keep)) Directory.Delete(scratch, recursive: true);
                return 0;
            }
            stdout.WriteLine($"not reproducible: {result.Differences.Count} file(s) differ; both builds are kept: {session.Dirs.Build}/{dist} and {rebuild.Dirs.Build}/{dist}");
            return 1;
        }));

        var pythonArgs = new Argument<string[]>("args") { Description = "Arguments for python, after --", Arity = ArgumentArity.ZeroOrMore };
        var noCwd = new Option<bool>("--no-cwd") { Description = "A sealed run: do not map the current folder (python starts in /)" };
        var dirs = new Option<string[]>("--dir") { Description = "Map a host folder: HOST[::GUEST][:ro] (GUEST defaults to HOST's absolute path; :ro refuses writes); repeatable" };
        var envs = new Option<string[]>("--env") { Description = "A variable for python: KEY=VALUE, or KEY for this shell's value; repeatable (nothing else of the host's environment is passed)" };
        var envFiles = new Option<string[]>("--env-file") { Description = "A file of KEY=VALUE lines (# comments) for python's environment; repeatable" };
        var exec = new Command("exec", "Run the built python.wasm in the current folder (mapped at its own path), with the folders and variables you give it") { recipe, config, toolchain, stdlib, with, snapshot, app, appMain, runtime, timing, noCwd, dirs, envs, envFiles, pythonArgs };
        exec.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, () =>
        {
            var target = ExecTargets.Resolve(Options(parse, recipe, config, null, null, null, toolchain, stdlib, with, snapshot, app, appMain));
            var context = GuestContext.Create(new GuestContextOptions
            {
                WorkingDirectory = parse.GetValue(noCwd) ? null : Environment.CurrentDirectory,
                Dirs = parse.GetValue(dirs) ?? [],
                Env = parse.GetValue(envs) ?? [],
                EnvFiles = parse.GetValue(envFiles) ?? [],
            }, target.GuestPrefix);
            // The user's program runs as long as it takes (no time-limit checks: faster); Ctrl-C or SIGTERM ends
            // wasipy and with it the guest, and any node process group it started.
            using var runner = WasiHosts.Create(parse.GetValue(runtime)!, target.ModuleCacheDir, target.ProjectRoot, timeLimits: false);
            using var stop = signals.Token.Register(() =>
            {
                Processes.ProcessGroup.KillAll();
                Environment.Exit(signals.ExitCode);
            });
            var result = target.Python.Run(runner, parse.GetValue(pythonArgs) ?? [], inheritStdio: true, timeout: TimeSpan.FromHours(24), context: context);
            if (result.Trap is not null) stderr.WriteLine($"wasipy: python.wasm trapped: {result.Trap}");
            if (parse.GetValue(timing)) stderr.WriteLine($"wasipy: guest time {result.GuestTime.TotalMilliseconds:0.0} ms");
            return Task.FromResult(result.ExitCode);
        }));

        var testNames = new Argument<string[]>("tests") { Description = "Regression tests to run (default: the recipe's regrtest.tests)", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Run every test module of the suite, --jobs at a time, and write results/<version>.json" };
        var testTimeout = new Option<int?>("--timeout") { Description = "Seconds each test module may take (default: the recipe's regrtest.timeout_seconds)" };
        var test = new Command("test", "Build if needed, then run CPython's regression tests; only unexpected failures fail") { recipe, config, toolchain, jobs, runtime, all, testTimeout, envs, envFiles, testNames };
        test.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, async () =>
        {
            // Checked before anything is built: a bad variable is exit 2 at once.
            var variables = GuestContext.Create(new GuestContextOptions { Env = parse.GetValue(envs) ?? [], EnvFiles = parse.GetValue(envFiles) ?? [] }, "");
            var session = BuildSession.Open(Options(parse, recipe, config, null, null, jobs, toolchain, stdlib));
            await reporter.ShowAsync(() => new PipelineRunner(session, reporter).RunAsync(signals.Token));
            var request = new Regrtest.RegrtestRequest(parse.GetValue(testNames) ?? [], parse.GetValue(all),
                parse.GetValue(jobs) ?? 1, parse.GetValue(testTimeout)) { Environment = variables.Environment };
            var outcomes = new Regrtest.RegrtestRunner(session, stdout, parse.GetValue(runtime)!).Run(request);
            int Count(Regrtest.TestStatus s) => outcomes.Count(o => o.Status == s);
            stdout.WriteLine($"regrtest: {Count(Regrtest.TestStatus.Passed)} passed, {Count(Regrtest.TestStatus.Failed)} failed, " +
                             $"{Count(Regrtest.TestStatus.Skipped)} skipped, {Count(Regrtest.TestStatus.ExpectedFailure)} expected failures, " +
                             $"{Count(Regrtest.TestStatus.TimedOut)} timed out, {Count(Regrtest.TestStatus.Crashed)} crashed");
            return Count(Regrtest.TestStatus.Failed) + Count(Regrtest.TestStatus.TimedOut) + Count(Regrtest.TestStatus.Crashed) == 0 ? 0 : 1;
        }));

        var newVersion = new Argument<string>("version") { Description = "The new CPython version, e.g. 3.16 or 3.16.0" };
        var from = new Option<string>("--from") { Description = "The version whose recipe to start from, e.g. 3.15", Required = true };
        var recipesDir = new Option<string>("--recipes") { Description = "The recipes folder", DefaultValueFactory = _ => "recipes" };
        var scaffold = new Command("new", "Scaffold recipes/X.Y.yaml from an existing recipe (then fill in its sha256)") { newVersion, from, recipesDir };
        scaffold.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, () =>
        {
            var dir = parse.GetValue(recipesDir)!;
            var version = parse.GetValue(newVersion)!;
            var majorMinor = string.Join('.', version.Split('.').Take(2));
            var written = Recipes.RecipeScaffold.Create(Path.Combine(dir, parse.GetValue(from) + ".yaml"), version, Path.Combine(dir, majorMinor + ".yaml"));
            stdout.WriteLine($"wasipy: wrote {written}; set source.sha256 (and check configure.config_site and patches) before building");
            return Task.FromResult(0);
        }));

        var matrix = new Command("matrix", "Print the CPython recipes as JSON for a CI matrix") { recipesDir };
        matrix.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, () =>
        {
            var dir = parse.GetValue(recipesDir)!;
            if (!Directory.Exists(dir)) throw new WasipyException($"no recipes folder at {Path.GetFullPath(dir)}; pass --recipes", 2);
            stdout.WriteLine(Recipes.RecipeMatrix.Json(Recipes.RecipeMatrix.Entries(dir, Path.GetDirectoryName(Path.GetFullPath(dir))!)));
            return Task.FromResult(0);
        }));

        var lint = new Command("lint", "Check every recipe, library and package recipe, template and patch without building") { recipesDir, config };
        lint.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, async () =>
        {
            var dir = parse.GetValue(recipesDir)!;
            if (!Directory.Exists(dir)) throw new WasipyException($"no recipes folder at {Path.GetFullPath(dir)}; pass --recipes", 2);
            var result = await new Lint.Linter(dir, parse.GetValue(config), stdout).RunAsync(signals.Token);
            return result.Errors > 0 ? 2 : result.PatchFailures > 0 ? 1 : 0;
        }));

        var schemaDir = new Option<string>("--out") { Description = "Where to write the schemas", DefaultValueFactory = _ => "schemas" };
        var schema = new Command("schema", "Write JSON Schemas for recipes, library and package recipes and wasipy.yaml") { schemaDir };
        schema.SetAction((parse, _) => Guard(stderr, parse.GetValue(verbose), signals, reporter, () =>
        {
            foreach (var path in Schema.SchemaWriter.WriteAll(parse.GetValue(schemaDir)!)) stdout.WriteLine($"wasipy: wrote {path}");
            return Task.FromResult(0);
        }));

        var root = new RootCommand("wasipy: build CPython for WebAssembly (wasm32-wasi) from declarative recipes") { run, plan, why, verify, lint, exec, test, scaffold, matrix, schema, verbose };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) stderr.WriteLine($"wasipy: {error.Message}");
            var command = parsed.CommandResult.Command;
            stderr.WriteLine($"Run 'wasipy {(command == root ? "" : command.Name + " ")}--help' for usage.");
            return 2;
        }
        // wasipy handles SIGINT and SIGTERM itself (Signals), to end the steps' process groups first.
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null });
    }


    private static BuildOptions Options(ParseResult parse, Argument<string> recipe, Option<string?> config, Option<string?>? source,
        Option<string[]>? mirror, Option<int?>? jobs, Option<string?> toolchain, Option<string?> stdlib, Option<string[]>? with = null, Option<bool>? snapshot = null, Option<string?>? app = null, Option<string?>? appMain = null) => new()
    {
        AppDir = app is null ? null : parse.GetValue(app),
        AppMain = appMain is null ? null : parse.GetValue(appMain),
        Snapshot = snapshot is not null && parse.GetValue(snapshot) ? true : null,
        With = with is null ? [] : (parse.GetValue(with) ?? []).SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
        RecipePath = parse.GetValue(recipe)!,
        ConfigPath = parse.GetValue(config),
        SourceDir = source is null ? null : parse.GetValue(source),
        Mirrors = mirror is null ? [] : parse.GetValue(mirror) ?? [],
        Jobs = jobs is null ? null : parse.GetValue(jobs),
        Toolchain = parse.GetValue(toolchain),
        StdlibMode = parse.GetValue(stdlib),
    };

    private static async Task<int> Guard(TextWriter stderr, bool verbose, Signals signals, ConsoleReporter reporter, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (WasipyException e)
        {
            stderr.WriteLine($"wasipy: {e.Message}");
            if (verbose) stderr.WriteLine(e);
            return e.ExitCode;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not one of ours: one line, the trace only on request.
            stderr.WriteLine($"wasipy: unexpected error: {e.Message}{(verbose ? "" : " (run with --verbose for the trace)")}");
            if (verbose) stderr.WriteLine(e);
            return 1;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine(reporter.Running is { } step
                ? $"wasipy: cancelled during {step}; the next run resumes there"
                : "wasipy: cancelled");
            return signals.ExitCode;
        }
    }
}
