using System.CommandLine;
using Wasipy.Pipeline;
using Wasipy.Regrtest;
using Wasipy.Wasm;

namespace Wasipy.Cli.Commands;

/// <summary>`wasipy test RECIPE [TESTS]`: builds if needed, then CPython's regression tests; only unexpected
/// failures fail.</summary>
public static class TestCommand
{
    public static Command Create(CliContext c)
    {
        var o = c.Options;
        var testNames = new Argument<string[]>("tests") { Description = "Regression tests to run (default: the recipe's regrtest.tests)", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Run every test module of the suite, --jobs at a time, and write results/<version>.json" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds each test module may take (default: the recipe's regrtest.timeout_seconds)" };
        return c.Command("test", "Build if needed, then run CPython's regression tests; only unexpected failures fail",
            [o.Recipe, o.Config, o.Toolchain, o.Link, o.Jobs, o.Runtime, all, timeout, o.Env, o.EnvFile, testNames], async (parse, command) =>
        {
            // Checked before anything is built: a bad variable is exit 2 at once.
            var variables = GuestContext.Create(new GuestContextOptions { Env = parse.GetValue(o.Env) ?? [], EnvFiles = parse.GetValue(o.EnvFile) ?? [] }, "");
            var session = BuildSession.Open(o.Read(parse, command));
            await c.Reporter.ShowAsync(() => new PipelineRunner(session, c.Reporter).RunAsync(c.Signals.Token));
            var request = new RegrtestRequest(parse.GetValue(testNames) ?? [], parse.GetValue(all), parse.GetValue(o.Jobs) ?? 1, parse.GetValue(timeout))
            {
                Environment = variables.Environment,
            };
            var outcomes = new RegrtestRunner(session, c.Stdout, parse.GetValue(o.Runtime)!).Run(request);
            int Count(TestStatus s) => outcomes.Count(x => x.Status == s);
            c.Stdout.WriteLine($"regrtest: {Count(TestStatus.Passed)} passed, {Count(TestStatus.Failed)} failed, " +
                               $"{Count(TestStatus.Skipped)} skipped, {Count(TestStatus.ExpectedFailure)} expected failures, " +
                               $"{Count(TestStatus.TimedOut)} timed out, {Count(TestStatus.Crashed)} crashed");
            return Count(TestStatus.Failed) + Count(TestStatus.TimedOut) + Count(TestStatus.Crashed) == 0 ? 0 : 1;
        });
    }
}
