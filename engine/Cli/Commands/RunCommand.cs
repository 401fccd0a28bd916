using System.CommandLine;
using System.Diagnostics;
using Wasipy.Pipeline;

namespace Wasipy.Cli.Commands;

/// <summary>`wasipy run RECIPE`: the pipeline; unchanged units come from the cache.</summary>
public static class RunCommand
{
    public static Command Create(CliContext c)
    {
        var o = c.Options;
        return c.Command("run", "Build CPython for wasm32-wasi from a recipe; unchanged steps are not run again",
            [o.Recipe, o.Config, o.Source, o.Mirror, o.Jobs, o.Toolchain, o.Link, o.Stdlib, o.With, o.Snapshot, o.App, o.AppMain, o.Requirements, o.IndexUrl, o.ExtraIndexUrl, o.FindLinks, o.NoIndex, .. o.Cache], async (parse, command) =>
        {
            var session = BuildSession.Open(o.Read(parse, command));
            c.Stdout.WriteLine($"wasipy: CPython {session.Recipe.Version}, stdlib {session.Stdlib}, toolchain '{session.ToolchainName}', in {session.Dirs.Build}");
            var clock = Stopwatch.StartNew();
            var outcomes = await c.Reporter.ShowAsync(() => new PipelineRunner(session, c.Reporter).RunAsync(c.Signals.Token));
            var ran = outcomes.Count(x => x.Status == StepStatus.Done);
            var cached = outcomes.Count(x => x.Status == StepStatus.Cached);
            var restored = outcomes.Count(x => x.Status == StepStatus.Restored);
            var left = outcomes.Where(x => x.Status == StepStatus.OptionalFailed).Select(x => x.Step).ToList();
            c.Stdout.WriteLine($"wasipy: done in {ConsoleReporter.Format(clock.Elapsed)} ({ran} step(s) run, {cached} cached" +
                               (restored > 0 ? $", {restored} restored from the unit cache" : "") +
                               (outcomes.Count(x => x.Status == StepStatus.Deferred) is > 0 and var notNeeded ? $", {notNeeded} not needed" : "") +
                               (left.Count > 0 ? $"; optional and left out: {string.Join(", ", left)}" : "") + ")");
            if (session.Product is { } python && File.Exists(python.WasmPath))
                c.Stdout.WriteLine(session.Recipe.Link == Recipes.Recipe.Dynamic
                    ? $"wasipy: run it with: ./wasipy exec {session.Options.RecipePath} --link dynamic (and this build's other options) -- ARGS, or with --runtime node; it loads side modules " +
                      "through the host's loader (the dl imports), which the Wasmtime CLI does not have"
                    : $"wasipy: run it with: {python.WasmtimeCommand()}");
            return 0;
        });
    }
}
