using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Recipes;
using Wasipy.Sources;
using Wasipy.Wasm;

namespace Wasipy.Pipeline;

/// <summary>
/// The steps that are code rather than shell commands: fetch, extract, patch and smoke-test.
/// Each adds what its result depends on to the cache key and names the paths it produces.
/// </summary>
public sealed class BuiltinActions(BuildSession session, Func<Action<string>, SourceFetcher> fetcherFactory, Func<WasiRunner> runnerFactory)
{
    private LibraryBuilder Libraries(PlannedStep step) => new(session, step.Require("root"), fetcherFactory);

    private FetchRequest Request => new(session.Recipe.Source.Urls, session.Recipe.Source.Sha256, session.Recipe.Source.CacheFileName);
    private string ArchivePath => Path.Combine(session.DownloadsDir, session.Recipe.Source.CacheFileName);
    private string? LocalSource => session.Options.SourceDir is { } dir ? Path.GetFullPath(dir) : null;

    public async Task AddToKeyAsync(PlannedStep step, CacheKey.Builder key, CancellationToken cancellation)
    {
        switch (step.Spec.Uses)
        {
            case "fetch":
            case "extract":
                if (LocalSource is { } local)
                    key.Add("local-source", local).Add("local-source-hash", ContentHash.OfPath(local));
                else
                    key.AddAll("sha256", Request.AcceptedHashes.Order(StringComparer.Ordinal)).Add("file", session.Recipe.Source.CacheFileName);
                break;
            case "libraries":
                key.AddAll("libraries", await Libraries(step).KeysAsync(cancellation));
                break;
            case "patch":
                key.AddAll("patches", RecipeLoader.PatchPaths(session.Recipe).Select(p => $"{Path.GetFileName(p)}:{ContentHash.OfFile(p)}"));
                break;
            case "vfs-image":
                key.Add("tree", ContentHash.OfPath(step.Require("from"))).Add("format", Stdlib.VfsImage.Format);
                break;
            case "smoke-test":
                var wasm = step.Require("wasm");
                key.Add("wasm", File.Exists(wasm) ? ContentHash.OfFile(wasm) : "missing")
                   .Add("expected-version", session.Recipe.Smoke.ExpectedVersion)
                   .AddAll("imports", session.Recipe.Smoke.Imports)
                   .AddAll("checks", session.Recipe.Smoke.Checks);
                break;
        }
    }

    public IEnumerable<string> Outputs(PlannedStep step) => step.Spec.Uses switch
    {
        "fetch" => LocalSource is null ? [ArchivePath] : [],
        "extract" or "patch" or "vfs-image" => [step.Require("to")],
        _ => [],
    };

    public async Task RunAsync(PlannedStep step, StepLog log, CancellationToken cancellation)
    {
        switch (step.Spec.Uses)
        {
            case "fetch":
                if (LocalSource is { } local) log.WriteLine($"using local source {local}; nothing to fetch");
                else await fetcherFactory(log.WriteLine).FetchAsync(Request, cancellation);
                break;
            case "extract":
                var to = step.Require("to");
                if (LocalSource is { } source)
                {
                    log.WriteLine($"copying {source} to {to} (the checkout itself is never modified)");
                    FileSystem.CopyTree(source, to);
                }
                else
                {
                    log.WriteLine($"extracting {ArchivePath} to {to}");
                    ArchiveExtractor.Extract(ArchivePath, to);
                }
                break;
            case "patch":
                var (from, target) = (step.Require("from"), step.Require("to"));
                log.WriteLine($"copying {from} to {target}");
                FileSystem.CopyTree(from, target);
                await PatchApplier.ApplyAsync(RecipeLoader.PatchPaths(session.Recipe), target, log, cancellation);
                break;
            case "libraries":
                await Libraries(step).BuildAllAsync(log, cancellation);
                break;
            case "vfs-image":
                var size = Stdlib.VfsImage.Write(step.Require("from"), step.Require("mount"), step.Require("to"));
                log.WriteLine($"wrote {step.Require("to")}: {size} bytes from {step.Require("from")}, mounted at {step.Require("mount")}");
                break;
            case "smoke-test":
                var python = PythonFor(step);
                var problems = SmokeTest.Check(python, session.Recipe.Smoke, runnerFactory(), log.WriteLine);
                if (problems.Count > 0)
                    throw new StepFailedException(step.Name, string.Join("; ", problems), log.Path);
                log.WriteLine($"smoke test passed. Run it yourself with: {python.WasmtimeCommand()}");
                break;
            default:
                throw new WasipyException($"step '{step.Name}': unknown built-in action '{step.Spec.Uses}'", 2);
        }
    }

    public static PythonInstall PythonFor(PlannedStep smokeStep) =>
        new(smokeStep.Require("wasm"), smokeStep.With.GetValueOrDefault("host_prefix", ""), smokeStep.Require("guest_prefix"));
}
