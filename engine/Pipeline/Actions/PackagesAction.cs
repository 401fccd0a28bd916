using System.Text;
using Scriban.Runtime;
using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Recipes;
using Wasipy.Requirements;
using Wasipy.Sources;
using Wasipy.Templates;

namespace Wasipy.Pipeline.Actions;

/// <summary>
/// `uses: packages`: the build's Python packages (recipes/packages/*.yaml), one unit each, built against this
/// CPython's headers. The step itself then merges their Python files into dirs.packages/site (copied into
/// site-packages by the stdlib step) and writes the module table (inittab.c) and the link arguments (link.rsp)
/// that the link step adds to python.wasm. An optional package that failed is left out of both.
/// </summary>
public sealed class PackagesAction : IExpandingAction
{
    public string Name => "packages";
    public ActionSignature Parameters { get; } = new([], []);

    public static string Id(string package) => "pkg/" + package;
    private static string Folder(BuildDirs dirs, string package) => Path.Combine(dirs.Packages, package);
    private static string Archive(BuildDirs dirs, string package) => Path.Combine(Folder(dirs, package), "out", $"lib{package}.a");

    /// <summary>The packages' units, after the C libraries they name that the CPython recipe does not list (a
    /// library both name is the libraries step's unit).</summary>
    public IReadOnlyList<BuildUnit> Expand(BuildSession session, BuildUnit step)
    {
        var listed = RecipeLoader.LoadLibraries(session.Recipe).Select(l => LibrariesAction.Id(l.Recipe.Name)).ToHashSet();
        var known = new HashSet<string>(listed);   // the listed libraries and those planned here so far
        var sysroot = new Lazy<ComponentRecipe?>(() => LibrariesAction.Sysroot(session));
        var libraries = new List<BuildUnit>();
        var packages = new List<BuildUnit>();
        var side = SideModuleTools.Needed(session) ? SideModuleTools.For(session, "the packages' extension modules") : null;
        var sideLibraries = side is null ? [] : PlanSideLibraries(session, side);
        foreach (var (package, optional) in session.Packages)
        {
            var own = new List<string>();
            foreach (var lib in RecipeLoader.LoadPackageLibraries(package))
            {
                var id = LibrariesAction.Id(lib.Name);
                if (!known.Contains(id))
                {
                    foreach (var need in lib.Needs)
                        if (!known.Contains(LibrariesAction.Id(need)))
                            throw new WasipyException($"{package.FilePath}: library '{lib.Name}' needs '{need}': list {need}'s recipe before it under libraries (or in {session.Recipe.FilePath})", 2);
                    libraries.Add(LibrariesAction.Plan(session, lib, optional, sysroot.Value));
                    known.Add(id);
                }
                if (!listed.Contains(id)) own.Add(id);
            }
            packages.Add(side is null
                ? Plan(session, step, package, optional, own, null)
                : Plan(session, step, package, optional, [.. own, .. sideLibraries.Select(u => u.Id)], side));
        }
        // The requirements (pip): after the package recipes, which provide their names.
        if (session.Requirements is { } set) packages.Add(RequirementsAction.Plan(session, step, set));
        return [.. libraries, .. sideLibraries, .. packages];
    }

    /// <summary>`link: dynamic`: every C library of the build (the CPython recipe's, then the packages', then those
    /// side_modules names) built again for side modules, which cannot link the interpreter's (not position-independent).</summary>
    private static List<BuildUnit> PlanSideLibraries(BuildSession session, SideModuleTools side)
    {
        var units = new List<BuildUnit>();
        void Add(ComponentRecipe lib, bool optional, string listedIn)
        {
            if (units.Any(u => u.Id == LibrariesAction.SideId(lib.Name))) return;
            foreach (var need in lib.Needs)
                if (units.All(u => u.Id != LibrariesAction.SideId(need)))
                    throw new WasipyException($"{listedIn}: library '{lib.Name}' needs '{need}', which is not listed before it", 2);
            units.Add(LibrariesAction.PlanSide(session, side, lib, optional));
        }
        foreach (var (lib, optional) in RecipeLoader.LoadLibraries(session.Recipe)) Add(lib, optional, session.Recipe.FilePath);
        foreach (var (package, optional) in session.Packages)
            foreach (var lib in RecipeLoader.LoadPackageLibraries(package)) Add(lib, optional, package.FilePath);
        foreach (var path in side.Libraries) Add(RecipeLoader.LoadLibrary(path), false, $"{session.Config.FilePath}: side_modules.libraries");
        return units;
    }

    private const string Site = "site", Link = "link", Modules = "modules";

    /// <summary>An export of folders whose contents (not the folders themselves) go into site-packages: what pip installed.</summary>
    public const string SiteContents = "site-contents";

    /// <summary>A package's unit; what the packages step needs of it (its site folders, link arguments and modules)
    /// is in its exports, so that the step runs what was planned.</summary>
    private static BuildUnit Plan(BuildSession session, BuildUnit step, ComponentRecipe package, bool optional, IReadOnlyList<string> libraries,
        SideModuleTools? side)
    {
        var dirs = session.Dirs;
        var parts = package.Package!;
        var folder = Folder(dirs, package.Name);
        var (src, output) = (Path.Combine(folder, "src"), Path.Combine(folder, "out"));
        // The packages it needs, by name: deps.cython.src is where a build tool's source is.
        var deps = new ScriptObject();
        foreach (var need in package.Needs)
            deps[need] = new ScriptObject { ["src"] = Path.Combine(Folder(dirs, need), "src"), ["out"] = Path.Combine(Folder(dirs, need), "out") };
        var model = TemplateModel.ForPackage(session, new ScriptObject
        {
            ["name"] = package.Name, ["version"] = package.Version, ["src"] = src, ["out"] = output, ["archive"] = Archive(dirs, package.Name),
            ["dir"] = Path.GetDirectoryName(Path.GetFullPath(package.FilePath)),
        }, deps);
        if (side is not null) TemplateModel.UseSideSysroot(model, dirs);
        var place = new ComponentPlace
        {
            IdPrefix = Id(""),
            TitlePrefix = "packages: ",
            SourceDir = src,
            StampDir = Path.Combine(dirs.Build, ".wasipy", "packages"),
            LogPath = Path.Combine(dirs.Logs, "packages", package.Name + ".log"),
            Model = model,
            BaseEnv = session.Config.PackageEnv.ToDictionary(kv => kv.Key, kv => TemplateRenderer.Render(kv.Value, model, Quoting.None, $"{session.Config.FilePath}: package_env.{kv.Key}")),
            // Built against this CPython (the steps before `packages`), the C libraries it names and the packages it needs.
            Needs = [.. step.Needs, .. libraries],
            Prelude = [ShellQuote.Quote("rm") + " -rf " + ShellQuote.Quote(output) + " && mkdir -p " + ShellQuote.Quote(output)],
        };
        string Render(string template, string what) => ComponentPlanner.Render(package, place, template, what);
        var site = parts.Site.Select((s, i) => Path.GetFullPath(Render(s, $"site[{i}]"), src)).ToList();
        var archive = parts.Modules.Count > 0 ? [Archive(dirs, package.Name)] : Array.Empty<string>();
        var link = parts.Link.Select((l, i) => Render(l, $"link[{i}]")).Where(l => l.Length > 0).ToList();   // one that renders empty is left out
        if (side is not null)
            return PlanSideModules(side, package, optional, place, site, archive, link, output);
        return ComponentPlanner.Plan(package, place with
        {
            Outputs = [.. archive, .. site],
            Exports = new Dictionary<string, IReadOnlyList<string>>
            {
                [Site] = site,
                [Link] = [.. archive, .. link],
                [Modules] = parts.Modules.Select(m => $"{m.Key}={m.Value}").ToList(),
            },
        }, optional);
    }

    /// <summary>An export of side modules (`link: dynamic`): "PATH=FILE", PATH the module's file under site-packages.</summary>
    private const string SideModules = "side-modules";

    /// <summary>An export of a package with side modules: its name and version, for its wheel.</summary>
    private const string Wheel = "wheel";

    /// <summary>Where a dynamic build's packages step writes each package's wheel (its Python files and side modules).</summary>
    public static string Wheels(BuildDirs dirs) => Path.Combine(dirs.Packages, "wheels");

    /// <summary>A package of a `link: dynamic` build: compiled by wasipy.yaml's side_modules compilers, and each of its
    /// extension modules linked from its archive into a side module of its own (out/side/PACKAGE/MODULE.SUFFIX),
    /// which the packages step puts beside the package's Python files; nothing is added to python.wasm.</summary>
    private static BuildUnit PlanSideModules(SideModuleTools side, ComponentRecipe package, bool optional, ComponentPlace place,
        IReadOnlyList<string> site, IReadOnlyList<string> archive, IReadOnlyList<string> link, string output)
    {
        var tools = side.Toolchain;
        var env = new Dictionary<string, string>(place.BaseEnv) { ["CC"] = tools.Cc, ["CXX"] = tools.Cxx, ["AR"] = tools.Ar, ["RANLIB"] = tools.Ranlib };
        var modules = package.Package!.Modules.Select(m => (Module: m.Key, Symbol: m.Value, File: m.Key.Replace('.', '/') + side.Suffix)).ToList();
        var files = modules.Select(m => Path.Combine(output, "side", m.File)).ToList();
        var commands = modules.Zip(files, (m, file) =>
            $"mkdir -p {ShellQuote.Quote(Path.GetDirectoryName(file)!)} && {side.Link} -u {ShellQuote.Quote(m.Symbol)} -o {ShellQuote.Quote(file)} " +
            string.Join(' ', archive.Concat(link).Select(ShellQuote.Quote)) + (side.LinkAfter.Length > 0 ? " " + side.LinkAfter : "")).ToList();
        var ensure = tools.Ensure;
        return ComponentPlanner.Plan(package, place with
        {
            BaseEnv = env,
            Prelude = [.. ensure.Length > 0 ? [ensure] : Array.Empty<string>(), .. place.Prelude],
            Postlude = commands,
            Outputs = [.. files, .. site],
            Exports = new Dictionary<string, IReadOnlyList<string>>
            {
                [Site] = site,
                [Link] = [],
                [Modules] = [],
                [SideModules] = modules.Zip(files, (m, file) => $"{m.File}={file}").ToList(),
                [Wheel] = [package.Name, package.Version],
            },
        }, optional);
    }

    /// <summary>The files of a site folder as wheel entries (the folder's name first), without bytecode; a link is refused,
    /// as a wheel holds regular files only and a link is never followed out of its tree.</summary>
    private static IEnumerable<(string Entry, string File)> WheelFiles(string folder, string package)
    {
        var top = Path.GetFileName(folder);
        WasipyException Link(string path) => new($"{package}: {path} is a link; a wheel holds regular files only: make it a file in the package's recipe");
        switch (FileKinds.Of(folder))
        {
            case FileKind.SymbolicLink: throw Link(folder);
            case FileKind.File: return [(top, folder)];
        }
        var found = new List<(string, string)>();
        foreach (var entry in SafeTree.Walk(folder, skip: r => Path.GetFileName(r) == "__pycache__"))
        {
            if (entry.Kind == FileKind.SymbolicLink) throw Link(entry.FullPath);
            if (entry.Kind == FileKind.File) found.Add(($"{top}/{entry.Relative}", entry.FullPath));
        }
        return found;
    }

    public void AddToKey(ActionContext c, CacheKey.Builder key) =>
        key.AddAll("modules", c.Session.Packages.SelectMany(p => p.Recipe.Package!.Modules.Select(m => $"{m.Key}={m.Value}")))
           .AddAll("link", c.Session.Packages.SelectMany(p => p.Recipe.Package!.Link))
           .Add("app", c.Session.AppDir.Length == 0 ? "" : $"{c.Session.AppDir}:{ContentHash.OfPath(c.Session.AppDir, c.Cancellation)}");

    public IEnumerable<string> Outputs(ActionContext c) =>
        [Path.Combine(c.Session.Dirs.Packages, "site"), Path.Combine(c.Session.Dirs.Packages, "inittab.c"), Path.Combine(c.Session.Dirs.Packages, "link.rsp"),
         .. SideModuleTools.Needed(c.Session) ? [Wheels(c.Session.Dirs)] : Array.Empty<string>()];

    public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var dirs = c.Session.Dirs;
        var site = Path.Combine(dirs.Packages, "site");
        FileSystem.RecreateDirectory(site);
        var modules = new List<(string Module, string Symbol)>();
        var link = new List<string>();
        var wheels = Wheels(dirs);
        if (SideModuleTools.Needed(c.Session)) FileSystem.RecreateDirectory(wheels);
        foreach (var unit in c.Planned.Where(u => c.Unit.Needs.Contains(u.Id) && u.Exports.ContainsKey(Site)))
        {
            var name = unit.StampName;
            if (unit.Outputs.Any(o => !File.Exists(o) && !Directory.Exists(o)))
            {
                log.WriteLine($"{name}: left out (it did not build)");
                continue;
            }
            foreach (var folder in unit.Exports[Site])
            {
                FileSystem.CopyTree(folder, Path.Combine(site, Path.GetFileName(folder)), cancellation);
                log.WriteLine($"{name}: {Path.GetFileName(folder)} into site-packages");
            }
            modules.AddRange(unit.Exports[Modules].Select(m => m.Split('=', 2)).Select(m => (m[0], m[1])));
            var sideModules = unit.Exports.GetValueOrDefault(SideModules, []).Select(m => m.Split('=', 2)).Select(m => (Entry: m[0], File: m[1])).ToList();
            foreach (var (file, built) in sideModules)
            {
                var target = Path.Combine(site, file);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(built, target, overwrite: true);
                log.WriteLine($"{name}: side module {file}");
            }
            if (sideModules.Count > 0 && unit.Exports.GetValueOrDefault(Wheel) is [var wheelName, var version])
            {
                var files = unit.Exports[Site].SelectMany(folder => WheelFiles(folder, name)).Concat(sideModules);
                var wheel = WheelWriter.Write(wheels, wheelName, version, WheelWriter.Tag(c.Session.Recipe.MajorMinor), files);
                log.WriteLine($"{name}: wheel {wheel}");
            }
            link.AddRange(unit.Exports[Link]);
        }
        foreach (var unit in c.Planned.Where(u => c.Unit.Needs.Contains(u.Id) && u.Exports.ContainsKey(SiteContents)))
            foreach (var folder in unit.Exports[SiteContents])
            {
                SafeTree.Copy(folder, site, cancellation, [], merge: true);
                log.WriteLine($"{unit.StampName}: {string.Join(", ", Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal))} into site-packages");
            }
        if (c.Session.AppDir is { Length: > 0 } app)
        {
            // The user's code, beside the packages (an __pycache__ of its own is left out); its links stay inside it.
            SafeTree.Copy(app, site, cancellation, ["__pycache__", ".git"], merge: true);
            log.WriteLine($"app: {app} into site-packages");
        }
        File.WriteAllText(Path.Combine(dirs.Packages, "inittab.c"), Inittab(modules));
        File.WriteAllText(Path.Combine(dirs.Packages, "link.rsp"), string.Join('\n', link) + "\n");
        log.WriteLine($"module table: {string.Join(", ", modules.Select(m => m.Module))}");
        return Task.CompletedTask;
    }

    /// <summary>
    /// A constructor (run from _start before main) that adds the packages' extension modules to CPython's table of
    /// built-in modules; PyImport_ExtendInittab must come before Py_Initialize, so a second run (a snapshot that
    /// initialised Python runs the constructors again) does nothing.
    /// </summary>
    internal static string Inittab(IReadOnlyList<(string Module, string Symbol)> modules)
    {
        var text = new StringBuilder("/* Generated by wasipy from recipes/packages: the packages' extension modules as built-in modules. */\n#include \"Python.h\"\n\n");
        foreach (var symbol in modules.Select(m => m.Symbol).Distinct()) text.Append($"extern PyObject *{symbol}(void);\n");
        text.Append("\nstatic struct _inittab wasipy_packages[] = {\n");
        foreach (var (module, symbol) in modules) text.Append($"    {{\"{module}\", {symbol}}},\n");
        text.Append("    {NULL, NULL}\n};\n\n");
        text.Append("__attribute__((constructor)) static void wasipy_add_package_modules(void) {\n" +
                    "    static int done;\n    if (done) return;\n    done = 1;\n" +
                    "    if (PyImport_ExtendInittab(wasipy_packages) != 0) Py_FatalError(\"wasipy: no memory for the package modules\");\n}\n");
        return text.ToString();
    }
}
