using System.Text;
using Scriban.Runtime;
using Wasipy.Caching;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Recipes;
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

    /// <summary>What templates see as packages.*.</summary>
    public static ScriptObject Model(BuildDirs dirs, IReadOnlyList<(PackageRecipe Recipe, bool Optional)> packages) => new()
    {
        ["any"] = packages.Any(p => !p.Recipe.Tool),
        ["names"] = new ScriptArray(packages.Select(p => p.Recipe.Name)),
        ["checks"] = new ScriptArray(packages.SelectMany(p => p.Recipe.Checks)),
    };

    public IReadOnlyList<BuildUnit> Expand(BuildSession session, BuildUnit step) =>
        session.Packages.Select(p => Plan(session, step, p.Recipe, p.Optional).Unit).ToList();

    /// <summary>A package's unit, with its site folders and link arguments rendered.</summary>
    private sealed record PackagePlan(BuildUnit Unit, IReadOnlyList<string> Site, IReadOnlyList<string> Link);

    private static PackagePlan Plan(BuildSession session, BuildUnit step, PackageRecipe package, bool optional)
    {
        var dirs = session.Dirs;
        var folder = Folder(dirs, package.Name);
        var (src, output) = (Path.Combine(folder, "src"), Path.Combine(folder, "out"));
        var model = new ScriptObject();
        foreach (var key in session.Model.Keys) model[key] = session.Model[key];
        model["pkg"] = new ScriptObject
        {
            ["name"] = package.Name, ["version"] = package.Version, ["src"] = src, ["out"] = output, ["archive"] = Archive(dirs, package.Name),
            ["dir"] = Path.GetDirectoryName(Path.GetFullPath(package.FilePath)),
        };
        // The packages it needs, by name: deps.cython.src is where a build tool's source is.
        var deps = new ScriptObject();
        foreach (var need in package.Needs)
            deps[need] = new ScriptObject { ["src"] = Path.Combine(Folder(dirs, need), "src"), ["out"] = Path.Combine(Folder(dirs, need), "out") };
        model["deps"] = deps;
        string Origin(string what) => $"{package.FilePath}: {what}";
        string Shell(string t, string what) => TemplateRenderer.Render(t, model, Quoting.Shell, Origin(what));
        string Plain(string t, string what) => TemplateRenderer.Render(t, model, Quoting.None, Origin(what));
        var env = session.Config.PackageEnv.ToDictionary(kv => kv.Key, kv => TemplateRenderer.Render(kv.Value, model, Quoting.None, $"{session.Config.FilePath}: package_env.{kv.Key}"));
        foreach (var (key, value) in package.Env) env[key] = Plain(value, $"env.{key}");
        var site = package.Site.Select((s, i) => Path.GetFullPath(Plain(s, $"site[{i}]"), src)).ToList();
        var unit = new BuildUnit
        {
            Id = Id(package.Name),
            Title = $"packages: {package.Name}",
            StampName = package.Name,
            StampDir = Path.Combine(dirs.Build, ".wasipy", "packages"),
            LogPath = Path.Combine(dirs.Logs, "packages", package.Name + ".log"),
            Optional = optional,
            // Built against this CPython (the steps before `packages`) and the packages it needs.
            Needs = [.. step.Needs, .. package.Needs.Select(Id)],
            Source = UnitSource.From(package.Source, src, RecipeLoader.PatchPaths(package.FilePath, package.Patches)),
            Data = [new KeyComponent("recipe", ContentHash.OfFile(package.FilePath))],
            Commands = [ShellQuote.Quote("rm") + " -rf " + ShellQuote.Quote(output) + " && mkdir -p " + ShellQuote.Quote(output),
                .. package.Build.Select((c, i) => Shell(c, $"build[{i}]"))],
            WorkingDirectory = src,
            Inputs = RecipeLoader.RelativeToRecipe(package.FilePath, package.Inputs),
            Environment = env,
            Outputs = [.. package.Modules.Count > 0 ? [Archive(dirs, package.Name)] : Array.Empty<string>(), .. site],
        };
        return new PackagePlan(unit, site, package.Link.Select((l, i) => Plain(l, $"link[{i}]")).ToList());
    }

    public void AddToKey(ActionContext c, CacheKey.Builder key) =>
        key.AddAll("modules", c.Session.Packages.SelectMany(p => p.Recipe.Modules.Select(m => $"{m.Key}={m.Value}")))
           .AddAll("link", c.Session.Packages.SelectMany(p => p.Recipe.Link))
           .Add("app", c.Session.AppDir.Length == 0 ? "" : $"{c.Session.AppDir}:{ContentHash.OfPath(c.Session.AppDir, c.Cancellation)}");

    public IEnumerable<string> Outputs(ActionContext c) =>
        [Path.Combine(c.Session.Dirs.Packages, "site"), Path.Combine(c.Session.Dirs.Packages, "inittab.c"), Path.Combine(c.Session.Dirs.Packages, "link.rsp")];

    public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var dirs = c.Session.Dirs;
        var site = Path.Combine(dirs.Packages, "site");
        FileSystem.RecreateDirectory(site);
        var built = new List<PackageRecipe>();
        var link = new List<string>();
        foreach (var (package, _) in c.Session.Packages.Where(p => !p.Recipe.Tool))
        {
            var plan = Plan(c.Session, c.Unit, package, false);
            if (plan.Unit.Outputs.Any(o => !File.Exists(o) && !Directory.Exists(o)))
            {
                log.WriteLine($"{package.Name}: left out (it did not build)");
                continue;
            }
            foreach (var folder in plan.Site)
            {
                FileSystem.CopyTree(folder, Path.Combine(site, Path.GetFileName(folder)), cancellation);
                log.WriteLine($"{package.Name}: {Path.GetFileName(folder)} into site-packages");
            }
            built.Add(package);
            if (package.Modules.Count > 0) link.Add(Archive(dirs, package.Name));
            link.AddRange(plan.Link);
        }
        if (c.Session.AppDir is { Length: > 0 } app)
        {
            // The user's code, beside the packages (an __pycache__ of its own is left out); its links stay inside it.
            SafeTree.Copy(app, site, cancellation, ["__pycache__", ".git"], merge: true);
            log.WriteLine($"app: {app} into site-packages");
        }
        File.WriteAllText(Path.Combine(dirs.Packages, "inittab.c"), Inittab(built));
        File.WriteAllText(Path.Combine(dirs.Packages, "link.rsp"), string.Join('\n', link) + "\n");
        log.WriteLine($"module table: {string.Join(", ", built.SelectMany(p => p.Modules.Keys))}");
        return Task.CompletedTask;
    }

    /// <summary>
    /// A constructor (run from _start before main) that adds the packages' extension modules to CPython's table of
    /// built-in modules; PyImport_ExtendInittab must come before Py_Initialize, so a second run (a snapshot that
    /// initialised Python runs the constructors again) does nothing.
    /// </summary>
    internal static string Inittab(IReadOnlyList<PackageRecipe> packages)
    {
        var modules = packages.SelectMany(p => p.Modules).ToList();
        var text = new StringBuilder("/* Generated by wasipy from recipes/packages: the packages' extension modules as built-in modules. */\n#include \"Python.h\"\n\n");
        foreach (var symbol in modules.Select(m => m.Value).Distinct()) text.Append($"extern PyObject *{symbol}(void);\n");
        text.Append("\nstatic struct _inittab wasipy_packages[] = {\n");
        foreach (var (module, symbol) in modules) text.Append($"    {{\"{module}\", {symbol}}},\n");
        text.Append("    {NULL, NULL}\n};\n\n");
        text.Append("__attribute__((constructor)) static void wasipy_add_package_modules(void) {\n" +
                    "    static int done;\n    if (done) return;\n    done = 1;\n" +
                    "    if (PyImport_ExtendInittab(wasipy_packages) != 0) Py_FatalError(\"wasipy: no memory for the package modules\");\n}\n");
        return text.ToString();
    }
}
