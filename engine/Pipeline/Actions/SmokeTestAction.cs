using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Wasm;

namespace Wasipy.Pipeline.Actions;

/// <summary>`uses: smoke-test` (wasm, guest_prefix, host_prefix): the built interpreter runs, has the recipe's
/// version, imports the recipe's modules and passes its checks.</summary>
public sealed class SmokeTestAction : IBuiltinAction
{
    public string Name => "smoke-test";
    public ActionSignature Parameters { get; } = new(["wasm", "guest_prefix"], ["host_prefix"]);

    public void AddToKey(ActionContext c, CacheKey.Builder key)
    {
        var wasm = c.Param("wasm");
        key.Add("wasm", File.Exists(wasm) ? ContentHash.OfFile(wasm) : "missing")
           .Add("expected-version", c.Session.Recipe.Version)
           .AddAll("imports", c.Session.Recipe.Smoke.Imports)
           .AddAll("checks", Checks(c.Session).Checks);
    }

    public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var python = PythonFor(c.Unit);
        var problems = SmokeTest.Check(python, c.Session.Recipe.Version, Checks(c.Session), c.Services.Wasi, log.WriteLine);
        if (problems.Count > 0)
            throw new StepFailedException(c.Unit.Title, string.Join("; ", problems), log.Path);
        log.WriteLine(c.Session.Recipe.Link == Recipes.Recipe.Dynamic
            ? "smoke test passed. Run it yourself with `wasipy exec` (--runtime node too): it loads side modules through the host's loader, which the Wasmtime CLI does not have"
            : $"smoke test passed. Run it yourself with: {python.WasmtimeCommand()}");
        return Task.CompletedTask;
    }

    /// <summary>The recipe's smoke checks, with every package's own checks.</summary>
    private static Recipes.SmokeSpec Checks(BuildSession s) =>
        s.Recipe.Smoke with { Checks = [.. s.Recipe.Smoke.Checks, .. s.Packages.SelectMany(p => p.Recipe.Package!.Checks)] };

    public static PythonInstall PythonFor(BuildUnit smokeStep) =>
        new(smokeStep.Require("wasm"), smokeStep.With.GetValueOrDefault("host_prefix", ""), smokeStep.Require("guest_prefix"));
}
