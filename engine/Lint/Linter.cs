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

    /// <summary>A source with patches, and the recipe that names it.</summary>
    private sealed record PatchedSource(string Recipe, SourceSpec Source, IReadOnlyList<string> Patches);

    private int _errors, _patchFailures, _notChecked;

    public async Task<Result> RunAsync(CancellationToken cancellation)
    {
        var used = new HashSet<string>();
        var sources = new List<PatchedSource>();
        var downloads = CheckRecipes(used, sources);
        CheckEveryPatchIsUsed(used);
        foreach (var source in sources.Where(s => s.Patches.Count > 0))
            await CheckPatchesApplyAsync(source, downloads, cancellation);
        output.WriteLine($"lint: {_errors} error(s), {_patchFailures} patch(es) that do not apply, {_notChecked} source(s) not checked");
        return new Result(_errors, _patchFailures, _notChecked);
    }

    /// <summary>Loads every recipe and renders every template; collects the patches used and the patched sources.
    /// Returns the download cache folder, if any recipe opened a build.</summary>
    private string? CheckRecipes(HashSet<string> used, List<PatchedSource> sources)
    {
        var libraries = Files("libs");
        var packages = Files("packages");
        foreach (var (path, kind) in libraries.Select(p => (p, ComponentKind.Library)).Concat(packages.Select(p => (p, ComponentKind.Package))))
            Try(path, () =>
            {
                var component = RecipeLoader.LoadComponent(path, kind);
                var patches = RecipeLoader.PatchPaths(path, component.Patches);
                if (component.Source is { } s) sources.Add(new PatchedSource(path, s, patches));
                used.UnionWith(patches);
            });
        var allPackages = packages.Select(Path.GetFileNameWithoutExtension).ToList();
        string? downloads = null;
        foreach (var path in Directory.GetFiles(recipesDir, "*.yaml").Order(StringComparer.Ordinal))
            Try(path, () =>
            {
                var recipe = RecipeLoader.Load(path);
                used.UnionWith(RecipeLoader.PatchPaths(recipe));
                sources.Add(new PatchedSource(path, recipe.Source, RecipeLoader.PatchPaths(recipe)));
                // Every template of every step, library and package, rendered as a build of this recipe would.
                var session = BuildSession.Open(new BuildOptions { RecipePath = path, ConfigPath = configPath, With = allPackages! });
                UnitPlanner.Plan(session);
                // ... and as its `--link dynamic` build would (side modules), where its toolchain can make one.
                if (recipe.Link == Recipe.Static && !session.Toolchain.Threads)
                    UnitPlanner.Plan(BuildSession.Open(new BuildOptions { RecipePath = path, ConfigPath = configPath, With = allPackages!, Link = Recipe.Dynamic }));
                downloads ??= session.Dirs.Downloads;
            }, "loads, and every template renders");
        return downloads;
    }

    private void CheckEveryPatchIsUsed(HashSet<string> used)
    {
        var patchesDir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(recipesDir))!, "patches");
        if (!Directory.Exists(patchesDir)) return;
        foreach (var patch in Directory.GetFiles(patchesDir, "*.patch", SearchOption.AllDirectories).Select(Path.GetFullPath).Order(StringComparer.Ordinal))
            if (!used.Contains(patch)) Bad($"{patch}: no recipe uses this patch; list it under a recipe's patches or delete it");
    }

    /// <summary>Applies the source's patches, in order, to a scratch copy of its download (if it was downloaded).</summary>
    private async Task CheckPatchesApplyAsync(PatchedSource patched, string? downloads, CancellationToken cancellation)
    {
        var (recipe, source, patches) = patched;
        var archive = downloads is null ? null
            : source.Git is { } git ? GitFetcher.CachePath(new GitSource(git.Url, git.Commit, git.Submodules), downloads)
            : Path.Combine(downloads, source.CacheFileName);
        if (archive is null || (!File.Exists(archive) && !Directory.Exists(archive)))
        {
            _notChecked++;
            output.WriteLine($"skip   {recipe}: its source is not in the download cache, so its {patches.Count} patch(es) were not checked");
            return;
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
            _patchFailures++;
            output.WriteLine($"FAIL   {recipe}: {e.Message[(e.Message.IndexOf("failed: ", StringComparison.Ordinal) + 8)..e.Message.LastIndexOf(". Full log", StringComparison.Ordinal)]}");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private IReadOnlyList<string> Files(string folder) =>
        Directory.Exists(Path.Combine(recipesDir, folder))
            ? Directory.GetFiles(Path.Combine(recipesDir, folder), "*.yaml").Order(StringComparer.Ordinal).ToList()
            : [];

    private void Bad(string what) { _errors++; output.WriteLine($"error  {what}"); }

    private void Ok(string what) => output.WriteLine($"ok     {what}");

    private void Try(string path, Action check, string what = "loads")
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
