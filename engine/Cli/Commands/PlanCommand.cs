using System.CommandLine;
using Wasipy.Errors;
using Wasipy.Pipeline;

namespace Wasipy.Cli.Commands;

/// <summary>`wasipy plan RECIPE [--json]` and `wasipy why RECIPE STEP`: what a run would do, and why, with run's own
/// key code; nothing runs.</summary>
public static class PlanCommand
{
    public static Command Create(CliContext c)
    {
        var o = c.Options;
        return c.Command("plan", "Show which steps a run would take from the cache and which it would run, and why; runs nothing",
            [o.Recipe, o.Config, o.Source, o.Mirror, o.Toolchain, o.Link, o.Stdlib, o.With, o.Snapshot, o.App, o.AppMain, o.Requirements, o.IndexUrl, o.ExtraIndexUrl, o.FindLinks, o.NoIndex, o.Json, .. o.Cache], async (parse, command) =>
        {
            var session = BuildSession.Open(o.Read(parse, command));
            var states = await new PipelineRunner(session, new ConsoleReporter(c.Stdout, false)).PlanAsync(c.Signals.Token);
            if (parse.GetValue(o.Json)) c.Stdout.WriteLine(PlanReport.Json(states));
            else PlanReport.Print(states, c.Stdout);
            return 0;
        });
    }

    public static Command Why(CliContext c)
    {
        var o = c.Options;
        var stepName = new Argument<string>("step") { Description = "A step or library, e.g. configure or 'libraries: zlib'" };
        return c.Command("why", "Show what changed between the last two builds of a step (its key's components)",
            [o.Recipe, stepName, o.Config, o.Toolchain, o.Link, o.Stdlib, o.With, o.Snapshot, o.App, o.AppMain, o.Requirements, o.IndexUrl, o.ExtraIndexUrl, o.FindLinks, o.NoIndex], (parse, command) =>
        {
            var session = BuildSession.Open(o.Read(parse, command));
            var units = UnitPlanner.Plan(session);
            var name = parse.GetValue(stepName)!;
            var unit = units.FirstOrDefault(u => u.Title == name || u.Id == name)
                       ?? throw new WasipyException($"no step or library '{name}' in this build; it has: {string.Join(", ", units.Select(u => u.Title))}", 2);
            PlanReport.PrintWhy(unit, c.Stdout);
            return Task.FromResult(0);
        });
    }
}
