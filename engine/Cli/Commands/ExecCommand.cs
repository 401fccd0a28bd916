using System.CommandLine;
using Wasipy.Exec;
using Wasipy.Wasm;

namespace Wasipy.Cli.Commands;

/// <summary>`wasipy exec RECIPE -- ARGS`: the built python.wasm in the current folder, with the folders and variables
/// the user gives it.</summary>
public static class ExecCommand
{
    public static Command Create(CliContext c)
    {
        var o = c.Options;
        var pythonArgs = new Argument<string[]>("args") { Description = "Arguments for python, after --", Arity = ArgumentArity.ZeroOrMore };
        var timing = new Option<bool>("--timing") { Description = "Print where the time went on stderr: process start, set-up, module load, instantiate, the guest's _start" };
        var noCwd = new Option<bool>("--no-cwd") { Description = "A sealed run: do not map the current folder (python starts in /)" };
        var dirs = new Option<string[]>("--dir") { Description = "Map a host folder: HOST[::GUEST][:ro] (GUEST defaults to HOST's absolute path; :ro refuses writes); repeatable" };
        return c.Command("exec", "Run the built python.wasm in the current folder (mapped at its own path), with the folders and variables you give it",
            [o.Recipe, o.Config, o.Toolchain, o.Link, o.Stdlib, o.With, o.Snapshot, o.App, o.AppMain, o.Requirements, o.IndexUrl, o.ExtraIndexUrl, o.FindLinks, o.NoIndex, o.Runtime, timing, noCwd, dirs, o.Env, o.EnvFile, pythonArgs], (parse, command) =>
        {
            var target = ExecTargets.Resolve(o.Read(parse, command));
            var context = GuestContext.Create(new GuestContextOptions
            {
                WorkingDirectory = parse.GetValue(noCwd) ? null : Environment.CurrentDirectory,
                Dirs = parse.GetValue(dirs) ?? [],
                Env = parse.GetValue(o.Env) ?? [],
                EnvFiles = parse.GetValue(o.EnvFile) ?? [],
            }, target.GuestPrefix);
            // The user's program runs as long as it takes (no time-limit checks: faster); Ctrl-C or SIGTERM ends
            // wasipy and with it the guest, and any node process group it started.
            using var runner = WasiHosts.Create(parse.GetValue(o.Runtime)!, target.ModuleCacheDir, target.ProjectRoot, timeLimits: false);
            using var stop = c.Signals.Token.Register(() =>
            {
                Processes.ProcessGroup.KillAll();
                Environment.Exit(c.Signals.ExitCode);
            });
            var setup = DateTime.UtcNow - ProcessClock.Entered;
            var result = target.Python.Run(runner, parse.GetValue(pythonArgs) ?? [], inheritStdio: true, timeout: TimeSpan.FromHours(24), context: context);
            if (result.Trap is not null) c.Stderr.WriteLine($"wasipy: python.wasm trapped: {result.Trap}");
            if (parse.GetValue(timing))
                foreach (var line in new ExecTiming("engine", ProcessClock.ProcessStart, setup, result).Lines()) c.Stderr.WriteLine(line);
            return Task.FromResult(result.ExitCode);
        });
    }
}
