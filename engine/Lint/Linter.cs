using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Pipeline;
using Wasipy.Processes;
using Wasipy.Recipes;
using Wasipy.Sources;

namespace Wasipy.Lint;

/// <summary>
/// `wasipy lint`: every recipe, library and package recipe loads and validates; every template renders for every
/// CPython recipe (with every package); every patch file is used by some recipe; every patch applies, in order, to
/// each source that is in the download cache (the others are reported as not checked).
/// </summary>
public sealed class Linter(string recipesDir, string? configPath, TextWriter output)
{
    public sealed record Result(int Errors, int PatchFailures, int NotChecked);

    public async Task<Result> RunAsync(CancellationToken cancellation)
    {
        var errors = 0;
        var patchFailures = 0;
        var notChecked = 0;
        void Bad(string what) { errors++; output.WriteLine($"error  {what}"); }
        void Ok(string what) => output.WriteLine($"ok     {what}");

        var cpython = Directory.GetFiles(recipesDir, "*.yaml").Order(StringComparer.Ordinal).ToList();
        var libraries = Files("libs");
        var packages = Files("packages");
        var used = new HashSet<string>();
        var sources = new List<(string Recipe, SourceSpec Source, IReadOnlyList<string> Patches)>();

        foreach (var (path, kind) in libraries.Select(p => (p, ComponentKind.Library)).Concat(packages.Select(p => (p, ComponentKind.Package))))
            Try(path, () =>
            {
                var component = RecipeLoader.LoadComponent(path, kind);
                if (component.Source is { } s) sources.Add((path, s, RecipeLoader.PatchPaths(path, component.Patches)));
                used.UnionWith(RecipeLoader.PatchPaths(path, component.Patches));
            });
        var allPackages = packages.Select(Path.GetFileNameWithoutExtension).ToList();
        BuildSession? anySession = null;
        foreach (var path in cpython)
            Try(path, () =>
            {
                var recipe = RecipeLoader.Load(path);
                used.UnionWith(RecipeLoader.PatchPaths(recipe));
                sources.Add((path, recipe.Source, RecipeLoader.PatchPaths(recipe)));
                // Every template of every step, library and package, rendered as a build of this recipe would.
                var session = BuildSession.Open(new BuildOptions { RecipePath = path, ConfigPath = configPath, With = allPackages! });
                UnitPlanner.Plan(session);
                // ... and as its `--link dynamic` build would (side modules), where its toolchain can make one.
                if (recipe.Link == Recipe.Static && !session.Toolchain.Threads)
                    UnitPlanner.Plan(BuildSession.Open(new BuildOptions { RecipePath = path, ConfigPath = configPath, With = allPackages!, Link = Recipe.Dynamic }));
                anySession ??= session;
            }, "loads, and every template renders");

        var patchesDir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(recipesDir))!, "patches");
        if (Directory.Exists(patchesDir))
            foreach (var patch in Directory.GetFiles(patchesDir, "*.patch", SearchOption.AllDirectories).Select(Path.GetFullPath).Order(StringComparer.Ordinal))
                if (!used.Contains(patch)) Bad($"{patch}: no recipe uses this patch; list it under a recipe's patches or delete it");

        var downloads = anySession?.Dirs.Downloads;
        foreach (var (recipe, source, patches) in sources.Where(s => s.Patches.Count > 0))
        {
            var archive = source.Git is { } git
                ? downloads is null ? null : GitFetcher.CachePath(new GitSource(git.Url, git.Commit, git.Submodules), downloads)
                : downloads is null ? null : Path.Combine(downloads, source.CacheFileName);
            if (archive is null || (!File.Exists(archive) && !Directory.Exists(archive)))
            {
                notChecked++;
                output.WriteLine($"skip   {recipe}: its source is not in the download cache, so its {patches.Count} patch(es) were not checked");
                continue;
            }
            var scratch = Directory.CreateTempSubdirectory("wasipy-lint-");
            try
            {
                var tree = Path.Combine(scratch.FullName, "src");
                if (File.Exists(archive)) ArchiveExtractor.Extract(archive, tree);
                else FileSystem.CopyTree(archive, tree, cancellation);
                using var log = new StepLog(Path.Combine(scratch.FullName, "patch.log"));
                await PatchApplier.ApplyAsync(patches, tree, log, cancellation);
                Ok($"{recipe}: {patches.Count} patch(es) apply to {Path.GetFileName(archive)}");
            }
            catch (StepFailedException e)
            {
                patchFailures++;
                output.WriteLine($"FAIL   {recipe}: {e.Message[(e.Message.IndexOf("failed: ", StringComparison.Ordinal) + 8)..e.Message.LastIndexOf(". Full log", StringComparison.Ordinal)]}");
            }
            finally
            {
                scratch.Delete(recursive: true);
            }
        }
        output.WriteLine($"lint: {errors} error(s), {patchFailures} patch(es) that do not apply, {notChecked} source(s) not checked");
        return new Result(errors, patchFailures, notChecked);

        IReadOnlyList<string> Files(string folder) =>
            Directory.Exists(Path.Combine(recipesDir, folder))
                ? Directory.GetFiles(Path.Combine(recipesDir, folder), "*.yaml").Order(StringComparer.Ordinal).ToList()
                : [];

        void Try(string path, Action check, string what = "loads")
        {
            try
            {
                check();
                Ok($"{path} {what}");
            }
            catch (WasipyException e)
            {
                Bad(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
            }
        }
    }
}
