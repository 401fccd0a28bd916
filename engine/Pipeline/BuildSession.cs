using System.Collections;
using Scriban.Runtime;
using Wasipy.Errors;
using Wasipy.Pipeline.Actions;
using Wasipy.Project;
using Wasipy.Recipes;
using Wasipy.Templates;

namespace Wasipy.Pipeline;

/// <summary>A toolchain of wasipy.yaml with its commands rendered for this build.</summary>
public sealed record ResolvedToolchain(string Name, bool Threads, string Sysroot, string Ensure, string Cc, string Cxx, string Ar, string Ranlib, string Strip);

/// <summary>Everything one build needs, resolved once: config, recipe, toolchain, folders and the template model.</summary>
public sealed record BuildSession
{
    public required ProjectConfig Config { get; init; }
    public required Recipe Recipe { get; init; }
    public required BuildOptions Options { get; init; }
    public required ActionRegistry Actions { get; init; }
    /// <summary>The toolchain, its commands rendered.</summary>
    public required ResolvedToolchain Toolchain { get; init; }
    public string ToolchainName => Toolchain.Name;
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    public required BuildDirs Dirs { get; init; }
    public required IReadOnlyList<string> MirrorDirs { get; init; }
    public required int Jobs { get; init; }
    /// <summary>How the standard library ships in this build (a name from wasipy.yaml's stdlib_modes).</summary>
    public required string Stdlib { get; init; }
    /// <summary>What the pipeline makes (wasipy.yaml's product, rendered); null where it declares none.</summary>
    public required Wasm.PythonInstall? Product { get; init; }
    /// <summary>The name of the dist/ folder that ships: the stdlib mode, with -snapshot for a snapshot build.</summary>
    public required string Dist { get; init; }
    public required bool Snapshot { get; init; }
    /// <summary>What templates see: made from the typed state by <see cref="TemplateModel"/>, read by templates only.</summary>
    public required ScriptObject Model { get; init; }
    /// <summary>The packages built into python.wasm (the recipe's, then --with), in build order.</summary>
    public required IReadOnlyList<(ComponentRecipe Recipe, bool Optional)> Packages { get; init; }
    /// <summary>The requirements pip resolves for this build (the recipe's and --requirements), or null for none.</summary>
    public Requirements.RequirementSet? Requirements { get; init; }
    /// <summary>The user's code folder for site-packages ("" for none).</summary>
    public required string AppDir { get; init; }


    public static BuildSession Open(BuildOptions options)
    {
        var actions = options.Actions ?? ActionRegistry.Default;
        var recipe = WithLink(RecipeLoader.Load(options.RecipePath), options.Link);
        var configPath = options.ConfigPath ?? ProjectLoader.Find(Path.GetDirectoryName(Path.GetFullPath(options.RecipePath))!);
        var config = ProjectLoader.Load(configPath, actions.Signatures);
        var environment = options.Environment ?? ReadEnvironment();
        var toolchainName = ChooseToolchain(config, options.Toolchain ?? recipe.Toolchain, environment, recipe);
        var (stdlibMode, stdlibSpec) = StdlibMode(config, recipe, options);
        var jobs = options.Jobs ?? (config.Jobs > 0 ? config.Jobs : System.Environment.ProcessorCount);

        var toolchain = config.Toolchains[toolchainName];
        if (recipe.Link == Recipe.Dynamic && toolchain.Threads)
            throw new WasipyException($"link dynamic: the toolchain '{toolchainName}' builds for wasm32-wasi-threads, and side modules are loaded only " +
                                      "into a wasm32-wasi python.wasm; build a recipe without threads (e.g. recipes/3.13.yaml --link dynamic)", 2);
        var sysroot = SysrootRecipePath(config, toolchainName) ?? "";
        var model = TemplateModel.Start(recipe, config, environment, jobs, stdlibMode, stdlibSpec, toolchainName, toolchain.Threads, sysroot);
        string RenderPath(string template, string origin) =>
            Path.GetFullPath(Path.Combine(config.Root, TemplateRenderer.Render(template, model, Quoting.None, origin)));
        var buildDirs = new BuildDirs
        {
            Project = config.Root,
            Build = RenderPath(config.Directories.Build, $"{config.FilePath}: directories.build"),
            Downloads = RenderPath(config.Directories.Downloads, $"{config.FilePath}: directories.downloads"),
            Libs = RenderPath(config.Directories.Libs, $"{config.FilePath}: directories.libs"),
        };
        TemplateModel.SetDirs(model, buildDirs);
        // The tools' templates may name dirs.sysroot (a toolchain that builds its own C library).
        string RenderTool(string template, string key) =>
            TemplateRenderer.Render(template, model, Quoting.None, $"{config.FilePath}: toolchains.{toolchainName}.{key}");
        var tools = new ResolvedToolchain(toolchainName, toolchain.Threads, sysroot, RenderTool(toolchain.Ensure, "ensure"), RenderTool(toolchain.Cc, "cc"),
            RenderTool(toolchain.Cxx ?? toolchain.Cc, "cxx"), RenderTool(toolchain.Ar, "ar"), RenderTool(toolchain.Ranlib, "ranlib"), RenderTool(toolchain.Strip, "strip"));
        TemplateModel.SetToolchain(model, tools);
        CheckFolders(config, buildDirs);
        var packages = RecipeLoader.LoadPackages(recipe, options.With);
        if (packages.Any(p => !p.Recipe.Package!.Tool) && !stdlibSpec.Embedded)
            throw new WasipyException($"packages ({string.Join(", ", packages.Select(p => p.Recipe.Name))}) are built into python.wasm in the stdlib modes " +
                                      $"that embed the library ({string.Join(", ", config.StdlibModes.Where(m => m.Value.Embedded).Select(m => m.Key))}); " +
                                      $"'{stdlibMode}' does not yet", 2);
        var requirements = Wasipy.Requirements.RequirementSet.Open(recipe, options.RequirementsFile,
            Wasipy.Requirements.PipIndex.Combine(config.Pip, config.Root, options.Index), config.Root, packages.Select(p => p.Recipe).ToList());
        if (requirements is not null && !stdlibSpec.Embedded)
            throw new WasipyException($"requirements are installed into python.wasm in the stdlib modes that embed the library " +
                                      $"({string.Join(", ", config.StdlibModes.Where(m => m.Value.Embedded).Select(m => m.Key))}); '{stdlibMode}' does not yet", 2);
        var snapshot = WantsSnapshot(config, recipe, options, stdlibMode, stdlibSpec);
        var dist = snapshot ? stdlibMode + "-snapshot" : stdlibMode;
        var (appDir, appMain) = App(recipe, options, stdlibMode, stdlibSpec);
        TemplateModel.Finish(model, packages, requirements is not null, snapshot, config.SnapshotPreimport.Concat(recipe.Snapshot.Preimport).Distinct(), dist, appDir, appMain);
        var product = config.Product is { } spec ? RenderProduct(config, model, spec) : null;
        if (product is not null) TemplateModel.SetProduct(model, product);
        var mirrors = config.Directories.Mirrors.Select(m => RenderPath(m, $"{config.FilePath}: directories.mirrors"))
            .Concat(options.Mirrors.Select(Path.GetFullPath)).ToList();

        return new BuildSession
        {
            Config = config, Recipe = recipe, Options = options, Actions = actions, Toolchain = tools, Environment = environment,
            Dirs = buildDirs, MirrorDirs = mirrors, Jobs = jobs, Model = model, Stdlib = stdlibMode, Packages = packages, AppDir = appDir, Requirements = requirements,
            Dist = dist, Snapshot = snapshot, Product = product,
        };
    }

    /// <summary>Refuses a build, downloads or libs folder that is a file, or whose path configure and make cannot use.</summary>
    private static void CheckFolders(ProjectConfig config, BuildDirs dirs)
    {
        foreach (var (what, path) in new[] { ("directories.build", dirs.Build), ("directories.downloads", dirs.Downloads), ("directories.libs", dirs.Libs) })
        {
            if (File.Exists(path))
                throw new WasipyException($"{path} is a file, where wasipy needs a folder ({what} in {config.FilePath}); move the file away or change {what}", 2);
            // CPython's configure and make split paths on white space; they cannot build in such a folder.
            if (path.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '`' or '\\'))
                throw new WasipyException($"{path} ({what}) has a space or quote in it, and CPython's configure and make cannot build there; " +
                                          $"move the project to a path without them, or point {what} in {config.FilePath} at one", 2);
        }
    }

    /// <summary>Whether this build makes a snapshot (--snapshot, else the recipe), refused where it cannot.</summary>
    private static bool WantsSnapshot(ProjectConfig config, Recipe recipe, BuildOptions options, string stdlibMode, StdlibModeSpec stdlibSpec)
    {
        var snapshot = options.Snapshot ?? recipe.Snapshot.Enabled;
        if (snapshot && !recipe.Snapshot.Available)
            throw new WasipyException($"--snapshot: {recipe.FilePath} does not mark snapshots as available for CPython {recipe.Version} " +
                                      "(snapshot/wasipy_snapshot.c uses CPython internals and is verified with 3.13); build without --snapshot", 2);
        if (snapshot && !stdlibSpec.Embedded)
            throw new WasipyException($"--snapshot needs a stdlib mode that embeds the library ({string.Join(", ", config.StdlibModes.Where(m => m.Value.Embedded).Select(m => m.Key))}); '{stdlibMode}' does not", 2);
        return snapshot;
    }

    /// <summary>The user's code folder ("" for none) and main module ("" for none), checked.</summary>
    private static (string Dir, string Main) App(Recipe recipe, BuildOptions options, string stdlibMode, StdlibModeSpec stdlibSpec)
    {
        var appDir = options.AppDir is { } d ? Path.GetFullPath(d)
            : recipe.App.Dir is { } r ? RecipeLoader.RelativeToRecipe(recipe.FilePath, [r])[0] : "";
        if (appDir.Length > 0 && !Directory.Exists(appDir))
            throw new WasipyException($"--app {appDir}: no such folder", 2);
        // The folders wasipy copies from the user: a link out of them is refused before anything runs (bad input).
        var sourceDir = options.SourceDir is { } s ? Path.GetFullPath(s) : "";
        foreach (var (what, folder, skip) in new[] { ("--app", appDir, new[] { ".git", "__pycache__" }), ("--source", sourceDir, [".git"]) })
            if (folder.Length > 0 && Directory.Exists(folder) && Sources.SafeTree.FirstEscapingLink(folder, default, rel => skip.Contains(rel)) is var (link, target))
                throw new WasipyException($"{what} {folder}: {link} is a link to '{target}', which leaves the folder; wasipy never follows a link out of a " +
                                          "folder it copies: replace the link with the file, or point it inside the folder", 2);
        var appMain = options.AppMain ?? recipe.App.Main ?? "";
        if (appMain.Length > 0 && !RecipeLoader.IsModuleName(appMain))
            throw new WasipyException($"--app-main {appMain}: not a module name (e.g. mytool or mytool.cli)", 2);
        if (appMain.Length > 0 && !stdlibSpec.Embedded)
            throw new WasipyException($"an app main module is linked into python.wasm in the stdlib modes that embed the library; '{stdlibMode}' does not", 2);
        return (appDir, appMain);
    }

    private static Wasm.PythonInstall RenderProduct(ProjectConfig config, ScriptObject model, ProductSpec spec)
    {
        string Render(string template, string key) => TemplateRenderer.Render(template, model, Quoting.None, $"{config.FilePath}: product.{key}");
        var host = Render(spec.HostPrefix, "host_prefix");
        return new Wasm.PythonInstall(Path.GetFullPath(Render(spec.Wasm, "wasm"), config.Root), host.Length == 0 ? "" : Path.GetFullPath(host, config.Root), Render(spec.GuestPrefix, "guest_prefix"));
    }

    /// <summary>The recipe as `--link` asks: a dynamic build of a static recipe is a variant of it ("dynamic", or
    /// "VARIANT-dynamic"), so that it builds in its own folder and the static build stays as it is.</summary>
    internal static Recipe WithLink(Recipe recipe, string? link)
    {
        if (link is null || link == recipe.Link) return recipe;
        if (link == Recipe.Static)
            throw new WasipyException($"--link static: {recipe.FilePath} is a dynamic recipe (link: dynamic); build its static recipe instead", 2);
        if (link != Recipe.Dynamic)
            throw new WasipyException($"--link {link} is not one of {string.Join(", ", Recipe.Links)}", 2);
        return recipe with { Link = link, Variant = recipe.Variant is { } v ? v + "-" + link : link };
    }

    /// <summary>The library recipe that builds this build's toolchain's C library (toolchains.NAME.sysroot), if any.</summary>
    public string? SysrootRecipe => SysrootRecipePath(Config, ToolchainName);

    private static string? SysrootRecipePath(ProjectConfig config, string toolchain) =>
        config.Toolchains[toolchain].Sysroot is { } path ? Path.GetFullPath(Path.Combine(config.Root, path)) : null;

    /// <summary>--toolchain or the recipe's toolchain if given; else the first whose when_env variable is set; else the
    /// first without when_env.</summary>
    internal static string ChooseToolchain(ProjectConfig config, string? requested, IReadOnlyDictionary<string, string> environment, Recipe? recipe = null)
    {
        if (requested is not null)
            return config.Toolchains.ContainsKey(requested) ? requested
                : recipe?.Toolchain == requested
                    ? throw Yaml.YamlFile.Read(recipe!.FilePath).Error($"toolchain '{requested}' is not defined in {config.FilePath} (it defines: {string.Join(", ", config.Toolchains.Keys)})", "toolchain")
                    : throw new WasipyException($"unknown toolchain '{requested}'; {config.FilePath} defines: {string.Join(", ", config.Toolchains.Keys)}", 2);
        foreach (var (name, spec) in config.Toolchains)
            if (spec.WhenEnv is { } variable && environment.TryGetValue(variable, out var value) && value.Length > 0)
                return name;
        return config.Toolchains.FirstOrDefault(t => t.Value.WhenEnv is null).Key
               ?? throw new WasipyException($"no toolchain applies: set one of {string.Join(", ", config.Toolchains.Values.Select(t => t.WhenEnv))} or pass --toolchain", 2);
    }

    private static (string Name, StdlibModeSpec Spec) StdlibMode(ProjectConfig config, Recipe recipe, BuildOptions options)
    {
        var known = string.Join(", ", config.StdlibModes.Keys);
        if (options.StdlibMode is { } requested)
            return config.StdlibModes.TryGetValue(requested, out var spec)
                ? (requested, spec)
                : throw new WasipyException($"--stdlib {requested} is not one of the modes {config.FilePath} defines: {known}", 2);
        if (recipe.Stdlib.Mode is { } mode)
            return config.StdlibModes.TryGetValue(mode, out var spec)
                ? (mode, spec)
                : throw Yaml.YamlFile.Read(recipe.FilePath).Error($"stdlib.mode '{mode}' is not one of the modes {config.FilePath} defines: {known}", "stdlib", "mode");
        var first = config.StdlibModes.First();
        return (first.Key, first.Value);
    }


    private static IReadOnlyDictionary<string, string> ReadEnvironment() =>
        System.Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
}
