using System.Reflection;
using System.Text.Json;
using Wasipy.Caching;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Recipes;
using Wasipy.Sources;

namespace Wasipy.Pipeline.Actions;

/// <summary>
/// `uses: provenance` (dir): writes MANIFEST.json (the recipe, source and patch hashes, C library and package
/// versions with their sources, the toolchain, the engine and every unit's key) and SHA256SUMS into what ships.
/// </summary>
public sealed class ProvenanceAction : IBuiltinAction
{
    public string Name => "provenance";
    public ActionSignature Parameters { get; } = new(["dir"], []);
    /// <summary>MANIFEST.json records this checkout's unit keys, which name its folder: written afresh in each checkout.</summary>
    public bool Cacheable => false;

    public IEnumerable<string> Outputs(ActionContext c) => [Path.Combine(c.Param("dir"), "SHA256SUMS"), Path.Combine(c.Param("dir"), "MANIFEST.json")];

    public async Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var s = c.Session;
        var dir = c.Param("dir");
        var (_, compiler) = await ShellRunner.CaptureAsync($"{s.Toolchain.Cc} --version", s.Dirs.Build, cancellation);
        var manifest = new
        {
            cpython = new
            {
                version = s.Recipe.Version,
                recipe = Relative(s, s.Recipe.FilePath),
                recipe_sha256 = ContentHash.OfFile(s.Recipe.FilePath),
                source = Source(s.Recipe.Source),
                patches = RecipeLoader.PatchPaths(s.Recipe).Select(p => new { file = Relative(s, p), sha256 = ContentHash.OfFile(p) }),
                stdlib = s.Stdlib,
            },
            // The CPython recipe's libraries, then those its packages name.
            libraries = RecipeLoader.LoadLibraries(s.Recipe).Select(l => l.Recipe)
                .Concat(s.Packages.SelectMany(p => RecipeLoader.LoadPackageLibraries(p.Recipe))).DistinctBy(l => l.Name).Select(l => new
            {
                name = l.Name, version = l.Version, recipe_sha256 = ContentHash.OfFile(l.FilePath),
                source = l.Source is null ? null : Source(l.Source),
                patches = RecipeLoader.PatchPaths(l.FilePath, l.Patches).Select(p => new { file = Relative(s, p), sha256 = ContentHash.OfFile(p) }),
            }),
            packages = s.Packages.Select(p => new
            {
                name = p.Recipe.Name, version = p.Recipe.Version, tool = p.Recipe.Package!.Tool, recipe_sha256 = ContentHash.OfFile(p.Recipe.FilePath),
                source = p.Recipe.Source is null ? null : Source(p.Recipe.Source), modules = p.Recipe.Package!.Modules.Keys,
                patches = RecipeLoader.PatchPaths(p.Recipe.FilePath, p.Recipe.Patches).Select(x => new { file = Relative(s, x), sha256 = ContentHash.OfFile(x) }),
            }),
            toolchain = new { name = s.ToolchainName, compiler = compiler.Split('\n').FirstOrDefault()?.Trim() },
            engine = new { version = typeof(ProvenanceAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown" },
            steps = c.Keys.ToDictionary(k => k.Key, k => k.Value.Value),
        };
        File.WriteAllText(Path.Combine(dir, "MANIFEST.json"),
            JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        // Links are not followed: a link in dist/ is listed with the hash of its target's text.
        var sums = SafeTree.Walk(dir, cancellation)
            .Where(e => e.Kind != FileKind.Directory && Path.GetFileName(e.Relative) != "SHA256SUMS")
            .Select(e => e.Relative)
            .Order(StringComparer.Ordinal)
            .Select(rel => $"{ContentHash.OfPath(Path.Combine(dir, rel), cancellation)}  {rel}");
        File.WriteAllText(Path.Combine(dir, "SHA256SUMS"), string.Join('\n', sums) + "\n");
        log.WriteLine($"wrote {dir}/MANIFEST.json and {dir}/SHA256SUMS");
    }

    private static object Source(SourceSpec source) => source.Git is { } git
        ? new { git = git.Url, commit = git.Commit, submodules = git.Submodules }
        : new { file = source.CacheFileName, sha256 = source.Sha256 };

    private static string Relative(BuildSession s, string path) => Path.GetRelativePath(s.Dirs.Project, path).Replace('\\', '/');


}
