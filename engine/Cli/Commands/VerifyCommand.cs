using System.CommandLine;
using System.Diagnostics;
using Wasipy.Pipeline;
using Wasipy.Verify;

namespace Wasipy.Cli.Commands;

/// <summary>`wasipy verify RECIPE [--keep]`: builds, rebuilds from nothing in a scratch copy of the project, and
/// compares what ships byte for byte.</summary>
public static class VerifyCommand
{
    public static Command Create(CliContext c)
    {
        var o = c.Options;
        var keep = new Option<bool>("--keep") { Description = "Keep the scratch copy and its build even when the rebuild is identical" };
        return c.Command("verify", "Build, rebuild from nothing in a scratch copy of the project, and compare what ships byte for byte",
            [o.Recipe, o.Config, o.Source, o.Mirror, o.Jobs, o.Toolchain, o.Link, o.Stdlib, o.With, o.Snapshot, o.App, o.AppMain, o.Requirements, o.IndexUrl, o.ExtraIndexUrl, o.FindLinks, o.NoIndex, keep, .. o.Cache], async (parse, command) =>
        {
            // The first build may come from the unit cache; the rebuild never does (it must build from nothing).
            var session = BuildSession.Open(o.Read(parse, command));
            c.Stdout.WriteLine($"wasipy: building CPython {session.Recipe.Version} ({session.Stdlib}) in {session.Dirs.Build}");
            await c.Reporter.ShowAsync(() => new PipelineRunner(session, c.Reporter).RunAsync(c.Signals.Token));
            var scratch = Reproducibility.ScratchRoot(session);
            var rebuild = BuildSession.Open(Reproducibility.PrepareScratch(session, scratch) with { Cache = null });
            c.Stdout.WriteLine($"wasipy: rebuilding from nothing in {rebuild.Dirs.Build}");
            var clock = Stopwatch.StartNew();
            await c.Reporter.ShowAsync(() => new PipelineRunner(rebuild, c.Reporter).RunAsync(c.Signals.Token));
            var dist = Path.Combine("dist", session.Dist);
            var result = Reproducibility.Compare(Path.Combine(session.Dirs.Build, dist), Path.Combine(rebuild.Dirs.Build, dist));
            c.Stdout.WriteLine($"wasipy: rebuilt in {ConsoleReporter.Format(clock.Elapsed)}; compared {dist}/ (not {string.Join(", ", Reproducibility.NotCompared)}: they name the build folder's step keys)");
            foreach (var (file, sha) in result.Identical) c.Stdout.WriteLine($"  same     {sha}  {file}");
            foreach (var d in result.Differences) c.Stdout.WriteLine($"  DIFFERS  {d.Built ?? "(missing)"} vs {d.Rebuilt ?? "(missing)"}  {d.File}");
            if (result.Reproducible)
            {
                c.Stdout.WriteLine($"reproducible: {result.Identical.Count} file(s) byte-identical");
                if (!parse.GetValue(keep)) Directory.Delete(scratch, recursive: true);
                return 0;
            }
            c.Stdout.WriteLine($"not reproducible: {result.Differences.Count} file(s) differ; both builds are kept: {session.Dirs.Build}/{dist} and {rebuild.Dirs.Build}/{dist}");
            return 1;
        });
    }
}
