using System.Text.RegularExpressions;
using Wasipy.Yaml;

namespace Wasipy.Recipes;

/// <summary>Reads and checks a recipe. Every problem names the file, line and column.</summary>
public static partial class RecipeLoader
{
    public static Recipe Load(string path)
    {
        var file = YamlFile.Read(path);
        var recipe = file.Deserialize<Recipe>(b => b
            .WithTypeMapping<IReadOnlyDictionary<string, IReadOnlyList<string>>, Dictionary<string, IReadOnlyList<string>>>()
            .WithTypeMapping<IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>, Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>>()
            .WithTypeMapping<IReadOnlyDictionary<string, int>, Dictionary<string, int>>()
            .WithTypeMapping<IReadOnlyList<LibraryRef>, List<LibraryRef>>()
            .WithTypeMapping<IReadOnlyList<PackageRef>, List<PackageRef>>()) with { FilePath = path };
        Validate(file, recipe);
        return recipe;
    }

    public static ComponentRecipe LoadLibrary(string path) => LoadComponent(path, ComponentKind.Library);

    public static ComponentRecipe LoadPackage(string path) => LoadComponent(path, ComponentKind.Package);

    /// <summary>A C library or package recipe: one format and one set of checks, and the checks only one kind has.</summary>
    public static ComponentRecipe LoadComponent(string path, ComponentKind kind)
    {
        var file = YamlFile.Read(path);
        var written = file.Deserialize<ComponentFile>(b => b.WithTypeMapping<IReadOnlyList<Project.FileSpec>, List<Project.FileSpec>>());
        if (kind == ComponentKind.Library && written.PackageKeysGiven().FirstOrDefault() is { } packageKey)
            throw file.Error($"'{packageKey}' is for package recipes (recipes/packages); a C library installs into {{{{ lib.prefix }}}}", packageKey);
        var component = written.ToRecipe(kind, path);
        var what = kind == ComponentKind.Library ? "library" : "package";
        if (!LibraryNamePattern().IsMatch(component.Name))
            throw file.Error($"{what} name '{component.Name}' must be lowercase letters, digits, '-' or '_'", "name");
        for (var i = 0; i < component.Needs.Count; i++)
            if (!LibraryNamePattern().IsMatch(component.Needs[i]))
                throw file.Error($"needs entry '{component.Needs[i]}' must be a {what} name (lowercase letters, digits, '-' or '_'), not a path", "needs", i.ToString());
        if (component.Source is not null) ValidateSource(file, component.Source, component.Patches);
        else if (component.Inputs.Count == 0)
            throw file.Error($"a {what} needs a source archive (source) or project files to build from (inputs)", "name");
        ValidateInputs(file, component.Inputs);
        if (component.Package is { } package) ValidatePackage(file, component, package);
        else if (component.Build.Count == 0)
            throw file.Error("build is empty: give the commands that build and install the library into {{ lib.prefix }}", "build");
        return component;
    }

    private static void ValidatePackage(YamlFile file, ComponentRecipe component, PackageParts package)
    {
        if (Path.GetFileNameWithoutExtension(file.Path) != component.Name)
            throw file.Error($"package '{component.Name}' must be in a file named {component.Name}.yaml (`--with NAME` finds it by its name)", "name");
        if (package.Tool && (package.Site.Count > 0 || package.Modules.Count > 0))
            throw file.Error("a tool is used while building other packages; it has no site folders or modules", "tool");
        if (!package.Tool && package.Site.Count == 0)
            throw file.Error("site is empty: name the folders that go into site-packages (e.g. \"{{ pkg.src }}/src/NAME\")", "site");
        foreach (var (module, symbol) in package.Modules)
        {
            if (!ModuleNamePattern().IsMatch(module))
                throw file.Error($"module '{module}' is not a dotted Python module name", "modules", module);
            if (!SymbolPattern().IsMatch(symbol))
                throw file.Error($"init symbol '{symbol}' of {module} is not a C identifier like PyInit_{module.Split('.')[^1]}", "modules", module);
        }
        for (var i = 0; i < package.Libraries.Count; i++)
            CheckPath(file, "library recipe", package.Libraries[i], PathKind.File, "libraries", i.ToString());
        if (package.Modules.Count > 0 && component.Build.Count == 0)
            throw file.Error("a package with extension modules needs build commands that put their objects into {{ pkg.archive }}", "build");
    }

    /// <summary>The package recipes of a build: the CPython recipe's list, then `--with` names (recipes/packages/NAME.yaml),
    /// each once, every package after the packages it needs (a needed package not listed is added from
    /// recipes/packages). Module names must be unique across them.</summary>
    public static IReadOnlyList<(ComponentRecipe Recipe, bool Optional)> LoadPackages(Recipe recipe, IReadOnlyList<string> with)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(recipe.FilePath))!;
        var packagesDir = Path.Combine(dir, "packages");
        string Known() => Directory.Exists(packagesDir)
            ? string.Join(", ", Directory.GetFiles(packagesDir, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order())
            : "none";
        var requested = recipe.Packages.Select(p => (Path: Path.GetFullPath(Path.Combine(dir, p.Recipe)), p.Optional)).ToList();
        foreach (var name in with)
        {
            var path = Path.Combine(packagesDir, name + ".yaml");
            if (!LibraryNamePattern().IsMatch(name) || !File.Exists(path))
                throw new Errors.WasipyException($"--with {name}: there is no package recipe {path}; known packages: {Known()}", 2);
            requested.Add((Path.GetFullPath(path), false));
        }
        var ordered = new List<(ComponentRecipe Recipe, bool Optional)>();
        var visiting = new HashSet<string>();
        void Add(string path, bool optional)
        {
            if (ordered.Any(p => Path.GetFullPath(p.Recipe.FilePath) == path)) return;
            var package = LoadPackage(path);
            if (!visiting.Add(package.Name))
                throw YamlFile.Read(path).Error($"package '{package.Name}' needs itself through its needs", "needs");
            foreach (var need in package.Needs)
            {
                var needPath = Path.GetFullPath(Path.Combine(packagesDir, need + ".yaml"));
                if (!File.Exists(needPath))
                    throw YamlFile.Read(path).Error($"package '{package.Name}' needs '{need}', which has no recipe {needPath}; known packages: {Known()}", "needs");
                Add(needPath, optional);
            }
            ordered.Add((package, optional));
        }
        foreach (var (path, optional) in requested) Add(path, optional);
        var owners = new Dictionary<string, string>();
        foreach (var (package, _) in ordered)
            foreach (var module in package.Package!.Modules.Keys)
                if (!owners.TryAdd(module, package.Name))
                    throw YamlFile.Read(package.FilePath).Error($"module '{module}' is also built by package '{owners[module]}'; a built-in module name can be used once", "modules", module);
        return ordered;
    }

    /// <summary>The library recipes a package recipe names (libraries:), loaded and checked.</summary>
    public static IReadOnlyList<ComponentRecipe> LoadPackageLibraries(ComponentRecipe package)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(package.FilePath))!;
        return package.Package!.Libraries.Select(l => LoadLibrary(Path.Combine(dir, l))).ToList();
    }

    /// <summary>The library recipes a CPython recipe names, loaded and checked.</summary>
    public static IReadOnlyList<(ComponentRecipe Recipe, bool Optional)> LoadLibraries(Recipe recipe)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(recipe.FilePath))!;
        return recipe.Libraries.Select(l => (LoadLibrary(Path.Combine(dir, l.Recipe)), l.Optional)).ToList();
    }

    private static void Validate(YamlFile file, Recipe recipe)
    {
        if (!VersionPattern().IsMatch(recipe.Version))
            throw file.Error($"version '{recipe.Version}' is not a CPython version like 3.11.2", "version");
        for (var i = 0; i < recipe.Libraries.Count; i++)
            CheckPath(file, "library recipe", recipe.Libraries[i].Recipe, PathKind.File, "libraries", i.ToString(), "recipe");
        for (var i = 0; i < recipe.Packages.Count; i++)
            CheckPath(file, "package recipe", recipe.Packages[i].Recipe, PathKind.File, "packages", i.ToString(), "recipe");
        ValidateSource(file, recipe.Source, recipe.Patches, gitAllowed: false);
        if (!Recipe.Links.Contains(recipe.Link))
            throw file.Error($"link '{recipe.Link}' is not one of {string.Join(", ", Recipe.Links)}", "link");
        foreach (var (test, seconds) in recipe.Regrtest.Timeouts)
            if (seconds < 1)
                throw file.Error($"regrtest.timeouts: {test}'s time limit is {seconds}; give seconds, 1 or more", "regrtest", "timeouts", test);
        foreach (var (cause, tests) in recipe.Regrtest.NotRun)
            foreach (var test in tests.Where(t => recipe.Regrtest.Tests.Contains(t)))
                throw file.Error($"regrtest.not_run: {test} is also in regrtest.tests, which always run; remove it from one of them", "regrtest", "not_run", cause);
        foreach (var host in recipe.Regrtest.HostFailures.Keys.Where(h => !Wasm.WasiHosts.Names.Contains(h)))
            throw file.Error($"regrtest.host_failures: '{host}' is not a host; use one of {string.Join(", ", Wasm.WasiHosts.Names)}", "regrtest", "host_failures", host);
        if (!RegrtestSpec.Runners.Contains(recipe.Regrtest.Runner))
            throw file.Error($"regrtest.runner '{recipe.Regrtest.Runner}' is not one of {string.Join(", ", RegrtestSpec.Runners)}", "regrtest", "runner");
        for (var i = 0; i < recipe.Stdlib.Prune.Count; i++)
            if (recipe.Stdlib.Prune[i].Split('/').Any(part => part is "" or "." or ".."))
                throw file.Error($"stdlib.prune entry '{recipe.Stdlib.Prune[i]}' must be a plain path under lib/pythonX.Y (no '..', no leading '/')",
                    "stdlib", "prune", i.ToString());
        if (recipe.App.Main is { } main && !ModuleNamePattern().IsMatch(main))
            throw file.Error($"app.main '{main}' is not a module name", "app", "main");
        if (recipe.App.Dir is { } appDir)
            CheckPath(file, "app.dir", appDir, PathKind.Folder, "app", "dir");
        for (var i = 0; i < recipe.Snapshot.Preimport.Count; i++)
            if (!ModuleNamePattern().IsMatch(recipe.Snapshot.Preimport[i]))
                throw file.Error($"snapshot.preimport entry '{recipe.Snapshot.Preimport[i]}' is not a module name", "snapshot", "preimport", i.ToString());
        if (recipe.Snapshot.Enabled && !recipe.Snapshot.Available)
            throw file.Error("snapshot.enabled needs snapshot.available: true, set once snapshot/wasipy_snapshot.c is verified with this version", "snapshot", "enabled");
        foreach (var key in recipe.Configure.ConfigSiteOverrides.Keys)
            if (!ShellNamePattern().IsMatch(key))
                throw file.Error($"config_site_overrides key '{key}' is not a shell variable name (letters, digits, _)",
                    "configure", "config_site_overrides", key);
    }

    private static void ValidateSource(YamlFile file, SourceSpec source, IReadOnlyList<string> patches, bool gitAllowed = true)
    {
        if (source.Git is { } git)
        {
            if (!gitAllowed)
                throw file.Error("a CPython source is an archive (urls and sha256), not git", "source", "git");
            if (source.Urls.Count > 0 || source.Sha256.Length > 0)
                throw file.Error("a source is either git (url, commit) or an archive (urls, sha256), not both", "source");
            if (!Uri.TryCreate(git.Url, UriKind.Absolute, out var gitUri) || gitUri.Scheme is not ("https" or "http" or "file"))
                throw file.Error($"git url '{git.Url}' is not an https://, http:// or file:// url", "source", "git", "url");
            if (!CommitPattern().IsMatch(git.Commit))
                throw file.Error($"git commit '{git.Commit}' is not a full 40-hex commit id; a tag or branch name alone is not a pin (git rev-parse TAG^{{commit}} gives the id)",
                    "source", "git", "commit");
            for (var i = 0; i < git.Submodules.Count; i++)
                if (git.Submodules[i].StartsWith('/') || git.Submodules[i].Split('/').Any(p => p is "" or "." or ".."))
                    throw file.Error($"submodule path '{git.Submodules[i]}' must be a plain path inside the repository", "source", "git", "submodules", i.ToString());
        }
        else if (source.Urls.Count == 0)
            throw file.Error("source.urls is empty: give at least one url (the primary, then mirrors)", "source", "urls");
        for (var i = 0; i < source.Urls.Count; i++)
        {
            var url = source.Urls[i];
            var fragmentHash = url.Contains(SourceSpec.HashMarker) ? url[(url.IndexOf(SourceSpec.HashMarker, StringComparison.Ordinal) + SourceSpec.HashMarker.Length)..] : null;
            if (fragmentHash is not null && !Sha256Pattern().IsMatch(fragmentHash))
                throw file.Error($"'{url}': the #sha256= fragment must be 64 lowercase hex digits", "source", "urls", i.ToString());
            if (!Uri.TryCreate(SourceSpec.Location(url), UriKind.Absolute, out var uri) || !SourceSpec.Schemes.Contains(uri.Scheme))
                throw file.Error($"'{url}' is not an http(s)://, file:// or apt-source:// url", "source", "urls", i.ToString());
        }
        if (source.FileName is { } fileName && !FileNamePattern().IsMatch(fileName))
            throw file.Error($"source.file_name '{fileName}' must be a plain file name (letters, digits, '.', '_', '-'; no '/' and no leading '.'): it names a file in the download cache", "source", "file_name");
        if (source.Git is null && source.FileName is null && source.Urls.Count > 0 && !FileNamePattern().IsMatch(source.CacheFileName))
            throw file.Error($"'{source.Urls[0]}' does not end in a plain file name ('{source.CacheFileName}'), and the download cache needs one: " +
                             "set source.file_name (e.g. file_name: Python-3.11.2.tgz)", "source", "urls", "0");
        if (source.Size is <= 0)
            throw file.Error($"source.size is {source.Size}: it must be the archive's size in bytes (1 or more), or left out", "source", "size");
        if (source.Git is null && !Sha256Pattern().IsMatch(source.Sha256))
            throw file.Error("source.sha256 must be 64 lowercase hex digits (the sha256 of the source archive)", "source", "sha256");
        for (var i = 0; i < patches.Count; i++)
            CheckPath(file, "patch", patches[i], PathKind.File, "patches", i.ToString());
    }

    private static void ValidateInputs(YamlFile file, IReadOnlyList<string> inputs)
    {
        for (var i = 0; i < inputs.Count; i++)
            CheckPath(file, "input", inputs[i], PathKind.File, "inputs", i.ToString());
    }

    private enum PathKind { File, Folder }

    /// <summary>
    /// A path a recipe names (relative to its folder) must stay inside the project (links resolved) and be a regular
    /// file (or a folder where one is expected). It is checked without opening it, so a FIFO or a device never blocks
    /// the load, and an error names the path only, never what the file holds.
    /// </summary>
    private static void CheckPath(YamlFile file, string what, string path, PathKind expected, params string[] keys)
    {
        var root = ProjectRoot(file.Path);
        var full = ResolvePatch(Path.GetDirectoryName(Path.GetFullPath(file.Path))!, path);
        if (!Sources.SafeTree.IsInside(Sources.SafeTree.RealPath(root), Sources.SafeTree.RealPath(full)))
            throw file.Error($"{what} '{path}' is outside the project folder {root}; paths in a recipe are relative to its folder and stay inside the project", keys);
        var problem = (Sources.FileKinds.OfTarget(full), expected) switch
        {
            (Sources.FileKind.File, PathKind.File) or (Sources.FileKind.Directory, PathKind.Folder) => null,
            (Sources.FileKind.Missing, _) => $"not found (looked for {full})",
            (Sources.FileKind.Directory, _) => "is a folder, not a file",
            (Sources.FileKind.File, _) => "is a file, not a folder",
            _ => "is a FIFO, socket or device; wasipy reads only regular files",
        };
        if (problem is not null)
            throw file.Error($"{what} '{path}' {problem}; paths are relative to the recipe's folder", keys);
    }

    /// <summary>The project a recipe belongs to: the folder of the wasipy.yaml found from the recipe's folder upwards,
    /// or the recipe's own folder if there is none.</summary>
    public static string ProjectRoot(string recipePath)
    {
        var recipeDir = Path.GetDirectoryName(Path.GetFullPath(recipePath))!;
        for (var dir = new DirectoryInfo(recipeDir); dir is not null; dir = dir.Parent)
            if (Sources.FileKinds.OfTarget(Path.Combine(dir.FullName, Project.ProjectLoader.FileName)) == Sources.FileKind.File)
                return dir.FullName;
        return recipeDir;
    }

    /// <summary>Patch paths in a recipe are relative to the recipe's own folder.</summary>
    public static string ResolvePatch(string recipeDir, string patch) => Path.GetFullPath(Path.Combine(recipeDir, patch));

    public static IReadOnlyList<string> PatchPaths(Recipe recipe) => PatchPaths(recipe.FilePath, recipe.Patches);

    public static IReadOnlyList<string> PatchPaths(string recipePath, IReadOnlyList<string> patches) => RelativeToRecipe(recipePath, patches);

    /// <summary>Paths a recipe names (patches, inputs, its app folder) are relative to the recipe's own folder.</summary>
    public static IReadOnlyList<string> RelativeToRecipe(string recipePath, IEnumerable<string> paths)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(recipePath))!;
        return paths.Select(p => ResolvePatch(dir, p)).ToList();
    }

    [GeneratedRegex(@"^3\.\d+\.\d+([abc]|rc)?\d*$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex LibraryNamePattern();

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._+-]*$")]
    private static partial Regex FileNamePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex ModuleNamePattern();

    public static bool IsModuleName(string name) => ModuleNamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SymbolPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ShellNamePattern();
}
