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
           .AddAll("checks", c.Session.Recipe.Smoke.Checks);
    }

    public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var python = PythonFor(c.Unit);
        var problems = SmokeTest.Check(python, c.Session.Recipe.Version, c.Session.Recipe.Smoke, c.Services.Wasi, log.WriteLine);
        if (problems.Count > 0)
            throw new StepFailedException(c.Unit.Title, string.Join("; ", problems), log.Path);
        log.WriteLine($"smoke test passed. Run it yourself with: {python.WasmtimeCommand()}");
        return Task.CompletedTask;
    }

    public static PythonInstall PythonFor(BuildUnit smokeStep) =>
        new(smokeStep.Require("wasm"), smokeStep.With.GetValueOrDefault("host_prefix", ""), smokeStep.Require("guest_prefix"));
}
