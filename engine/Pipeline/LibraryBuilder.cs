using Scriban.Runtime;
using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Recipes;
using Wasipy.Sources;
using Wasipy.Templates;

namespace Wasipy.Pipeline;

/// <summary>
/// Builds the C libraries a CPython recipe names (zlib, bzip2, xz, sqlite3, ...) into one wasm sysroot per
/// toolchain (<c>root/prefix</c>), shared by every CPython version. Each library is cached on its own, by the
/// hash of its recipe, its patches, its rendered commands and the compiler's --version.
/// </summary>
public sealed class LibraryBuilder
{
    private readonly BuildSession _session;
    private readonly string _root;
    private readonly Func<Action<string>, SourceFetcher> _fetcherFactory;
    private readonly StepCache _cache;
    private string? _compilerFingerprint;

    public LibraryBuilder(BuildSession session, string root, Func<Action<string>, SourceFetcher> fetcherFactory)
    {
        _session = session;
        _root = root;
        _fetcherFactory = fetcherFactory;
        _cache = new StepCache(Path.Combine(root, ".wasipy", "libs"));
    }

    public string Prefix => Path.Combine(_root, "prefix");
    private string SourceDir(LibraryRecipe lib) => Path.Combine(_root, "src", lib.Name);
    public string LogPath(LibraryRecipe lib) => Path.Combine(_root, "logs", lib.Name + ".log");

    /// <summary>A library's build with every template rendered.</summary>
    private sealed record PlannedLibrary(LibraryRecipe Recipe, bool Optional, IReadOnlyList<string> Commands,
        IReadOnlyList<(string Path, string Content)> Files, IReadOnlyDictionary<string, string> Env, IReadOnlyList<string> Outputs);

    private IReadOnlyList<PlannedLibrary> Plan() =>
        RecipeLoader.LoadLibraries(_session.Recipe).Select(entry =>
        {
            var (lib, optional) = entry;
            var model = Model(lib);
            string Origin(string what) => $"{lib.FilePath}: {what}";
            string Shell(string t, string what) => TemplateRenderer.Render(t, model, Quoting.Shell, Origin(what));
            string Plain(string t, string what) => TemplateRenderer.Render(t, model, Quoting.None, Origin(what));
            return new PlannedLibrary(lib, optional,
                lib.Build.Select((c, i) => Shell(c, $"build[{i}]")).ToList(),
                lib.Files.Select((f, i) => (Path.Combine(SourceDir(lib), Plain(f.Path, $"files[{i}].path")), Shell(f.Content, $"files[{i}].content"))).ToList(),
                lib.Env.ToDictionary(kv => kv.Key, kv => Plain(kv.Value, $"env.{kv.Key}")),
                lib.Outputs.Select((o, i) => Path.GetFullPath(Plain(o, $"outputs[{i}]"), SourceDir(lib))).ToList());
        }).ToList();

    private ScriptObject Model(LibraryRecipe lib) => new()
    {
        ["lib"] = new ScriptObject
        {
            ["name"] = lib.Name, ["version"] = lib.Version, ["prefix"] = Prefix, ["src"] = SourceDir(lib),
            ["inputs"] = new ScriptArray(InputPaths(lib)),
        },
        ["toolchain"] = _session.Model["toolchain"],
        ["jobs"] = _session.Jobs,
        ["env"] = _session.Model["env"],
        ["dirs"] = new ScriptObject { ["project"] = _session.Config.Root, ["libs"] = _root, ["sysroot"] = Prefix },
    };

    private async Task<string> CompilerFingerprintAsync(CancellationToken cancellation)
    {
        if (_compilerFingerprint is null)
        {
            var cc = _session.Model["toolchain"] is ScriptObject tool && tool["cc"] is string c ? c : "cc";
            var (exit, output) = await ShellRunner.CaptureAsync($"{cc} --version", _session.Config.Root, cancellation);
            _compilerFingerprint = $"{cc}\n{exit}\n{output}";
        }
        return _compilerFingerprint;
    }

    private static IReadOnlyList<string> InputPaths(LibraryRecipe lib) =>
        lib.Inputs.Select(i => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(lib.FilePath))!, i))).ToList();

    private async Task<CacheKey> KeyAsync(PlannedLibrary lib, IReadOnlyDictionary<string, CacheKey> earlier, CancellationToken cancellation) =>
        new CacheKey.Builder()
            .Add("recipe", ContentHash.OfFile(lib.Recipe.FilePath))
            .AddAll("needs", lib.Recipe.Needs.Select(n => earlier.TryGetValue(n, out var k)
                ? $"{n}:{k}"
                : throw new WasipyException($"{lib.Recipe.FilePath}: library '{lib.Recipe.Name}' needs '{n}', which {_session.Recipe.FilePath} does not list before it under libraries", 2)))
            .AddAll("inputs", InputPaths(lib.Recipe).Select(ContentHash.OfFile))
            .AddAll("patches", RecipeLoader.PatchPaths(lib.Recipe.FilePath, lib.Recipe.Patches).Select(ContentHash.OfFile))
            .AddAll("commands", lib.Commands)
            .AddAll("files", lib.Files.Select(f => f.Path + "\n" + f.Content))
            .AddAll("env", lib.Env.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
            .Add("compiler", await CompilerFingerprintAsync(cancellation))
            .Build();

    /// <summary>What the pipeline's `libraries` step depends on: every library's key and whether it is optional.</summary>
    public async Task<IReadOnlyList<string>> KeysAsync(CancellationToken cancellation) =>
        (await PlanWithKeysAsync(cancellation)).Select(p => $"{p.Library.Recipe.Name}:{p.Library.Optional}:{p.Key}").ToList();

    private async Task<IReadOnlyList<(PlannedLibrary Library, CacheKey Key)>> PlanWithKeysAsync(CancellationToken cancellation)
    {
        var keys = new Dictionary<string, CacheKey>();
        var result = new List<(PlannedLibrary, CacheKey)>();
        foreach (var lib in Plan())
        {
            var key = await KeyAsync(lib, keys, cancellation);
            keys[lib.Recipe.Name] = key;
            result.Add((lib, key));
        }
        return result;
    }

    /// <summary>Builds what is not cached. A required library that fails stops the build; an optional one is reported and skipped.</summary>
    public async Task BuildAllAsync(StepLog stepLog, CancellationToken cancellation)
    {
        // The sysroot is shared by every CPython version: one run at a time builds into it.
        using var exclusive = await DirectoryLock.AcquireAsync(_root, stepLog.WriteLine, cancellation);
        foreach (var (lib, key) in await PlanWithKeysAsync(cancellation))
        {
            var name = lib.Recipe.Name;
            if (_cache.IsFresh(name, key, lib.Outputs))
            {
                stepLog.WriteLine($"{name} {lib.Recipe.Version}: cached in {Prefix}");
                continue;
            }
            _cache.Invalidate(name);
            stepLog.WriteLine($"{name} {lib.Recipe.Version}: building (log: {LogPath(lib.Recipe)})");
            try
            {
                await BuildOneAsync(lib, cancellation);
                _cache.MarkDone(name, key);
                stepLog.WriteLine($"{name} {lib.Recipe.Version}: installed into {Prefix}");
            }
            catch (Exception e) when (e is WasipyException && lib.Optional)
            {
                stepLog.WriteLine($"warning: optional library {name} did not build, so the modules that need it are left out: {e.Message}");
            }
        }
    }

    private async Task BuildOneAsync(PlannedLibrary lib, CancellationToken cancellation)
    {
        var recipe = lib.Recipe;
        var step = $"libraries: {recipe.Name}";
        using var log = new StepLog(LogPath(recipe));
        try
        {
            if (recipe.Source is { } source)
            {
                var request = new FetchRequest(source.Urls, source.Sha256, source.CacheFileName);
                var archive = await _fetcherFactory(log.WriteLine).FetchAsync(request, cancellation);
                log.WriteLine($"extracting {archive} to {SourceDir(recipe)}");
                ArchiveExtractor.Extract(archive, SourceDir(recipe));
            }
            else
            {
                FileSystem.RecreateDirectory(SourceDir(recipe));
            }
            await PatchApplier.ApplyAsync(RecipeLoader.PatchPaths(recipe.FilePath, recipe.Patches), SourceDir(recipe), log, cancellation);
            await ShellRunner.RunScriptAsync(step, lib.Files, lib.Commands, SourceDir(recipe), _session.Environment, lib.Env, log, cancellation);
            var missing = lib.Outputs.Where(o => !File.Exists(o) && !Directory.Exists(o)).ToList();
            if (missing.Count > 0)
                throw new StepFailedException(step, $"it finished but did not produce {string.Join(", ", missing)}", log.Path);
        }
        catch (Exception e) when (e is not StepFailedException and not OperationCanceledException)
        {
            log.WriteLine($"error: {e.Message}");
            throw new StepFailedException(step, e.Message, log.Path);
        }
    }
}
