using System.CommandLine;
using System.Diagnostics;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Wasm;

namespace Wasipy.Cli;

/// <summary>The command line: run, exec. Expected failures print their message only and exit 1 (or 2 for bad input).</summary>
public static class WasipyCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var recipe = new Argument<string>("recipe") { Description = "A recipe file, e.g. recipes/3.11.yaml" };
        var config = new Option<string?>("--config") { Description = "wasipy.yaml to use (default: found from the recipe's folder upwards)" };
        var source = new Option<string?>("--source") { Description = "Build from this local CPython checkout instead of the recipe's archive (copied, never modified)" };
        var mirror = new Option<string[]>("--mirror") { Description = "A folder holding pre-fetched source archives by file name (repeatable)", AllowMultipleArgumentsPerToken = false };
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Parallel make jobs (default: one per core)" };
        var toolchain = new Option<string?>("--toolchain") { Description = "Toolchain from wasipy.yaml (default: wasi-sdk when WASI_SDK_PATH is set, else debian)" };
        var stdlib = new Option<string?>("--stdlib") { Description = "How the standard library ships: packed (one file, default), packed-source, mapped or zip" };
        stdlib.AcceptOnlyFromAmong([.. Recipes.StdlibSpec.Modes]);

        var run = new Command("run", "Build CPython for wasm32-wasi from a recipe; unchanged steps are not run again") { recipe, config, source, mirror, jobs, toolchain, stdlib };
        run.SetAction((parse, cancel) => Guard(stderr, async () =>
        {
            var session = BuildSession.Open(Options(parse, recipe, config, source, mirror, jobs, toolchain, stdlib));
            stdout.WriteLine($"wasipy: CPython {session.Recipe.Version}, stdlib {session.Stdlib}, toolchain '{session.ToolchainName}', in {session.BuildDir}");
            var clock = Stopwatch.StartNew();
            var outcomes = await new PipelineRunner(session, new ConsoleReporter(stdout, !Console.IsOutputRedirected)).RunAsync(cancel);
            var ran = outcomes.Count(o => o.Status == StepStatus.Done);
            var cached = outcomes.Count(o => o.Status == StepStatus.Cached);
            stdout.WriteLine($"wasipy: done in {ConsoleReporter.Format(clock.Elapsed)} ({ran} step(s) run, {cached} cached)");
            if (SmokeStep(session) is { } smoke)
                stdout.WriteLine($"wasipy: run it with: {BuiltinActions.PythonFor(smoke).WasmtimeCommand()}");
            return 0;
        }));

        var pythonArgs = new Argument<string[]>("args") { Description = "Arguments for python, after --", Arity = ArgumentArity.ZeroOrMore };
        var exec = new Command("exec", "Run the built python.wasm (in-process Wasmtime) with its install prefix mapped") { recipe, config, toolchain, stdlib, pythonArgs };
        exec.SetAction((parse, _) => Guard(stderr, () =>
        {
            var session = BuildSession.Open(Options(parse, recipe, config, null, null, null, toolchain, stdlib));
            var smoke = SmokeStep(session)
                        ?? throw new WasipyException($"{session.Config.FilePath} has no smoke-test step, so wasipy does not know where python.wasm is", 2);
            var python = BuiltinActions.PythonFor(smoke);
            using var runner = new WasiRunner(session.ModuleCacheDir);
            var result = python.Run(runner, parse.GetValue(pythonArgs) ?? [], inheritStdio: true, timeout: TimeSpan.FromHours(24));
            if (result.Trap is not null) stderr.WriteLine($"wasipy: python.wasm trapped: {result.Trap}");
            return Task.FromResult(result.ExitCode);
        }));

        var root = new RootCommand("wasipy: build CPython for WebAssembly (wasm32-wasi) from declarative recipes") { run, exec };
        return await root.Parse(args).InvokeAsync();
    }

    private static PlannedStep? SmokeStep(BuildSession session) =>
        StepPlanner.Plan(session).FirstOrDefault(s => s.Spec.Uses == "smoke-test" && s.Enabled);

    private static BuildOptions Options(ParseResult parse, Argument<string> recipe, Option<string?> config, Option<string?>? source,
        Option<string[]>? mirror, Option<int?>? jobs, Option<string?> toolchain, Option<string?> stdlib) => new()
    {
        RecipePath = parse.GetValue(recipe)!,
        ConfigPath = parse.GetValue(config),
        SourceDir = source is null ? null : parse.GetValue(source),
        Mirrors = mirror is null ? [] : parse.GetValue(mirror) ?? [],
        Jobs = jobs is null ? null : parse.GetValue(jobs),
        Toolchain = parse.GetValue(toolchain),
        StdlibMode = parse.GetValue(stdlib),
    };

    private static async Task<int> Guard(TextWriter stderr, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (WasipyException e)
        {
            stderr.WriteLine($"wasipy: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("wasipy: cancelled; the next run resumes at the step that did not finish");
            return 130;
        }
    }
}
