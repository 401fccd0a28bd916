using Scriban.Runtime;
using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Recipes;
using Wasipy.Templates;

namespace Wasipy.Pipeline.Actions;

/// <summary>
/// `uses: libraries`: the C libraries the recipe names (recipes/libs/*.yaml), one unit each, built into the
/// toolchain's sysroot (dirs.sysroot), which every CPython version shares. The step itself only collects their
/// keys, so that configure runs again when a library changes. With `set: sysroot` it is instead the toolchain's
/// own C library (toolchains.NAME.sysroot, e.g. wasi-libc for wasi-threads), which every other library needs.
/// </summary>
public sealed class LibrariesAction : IExpandingAction
{
    public string Name => "libraries";
    public ActionSignature Parameters { get; } = new([], ["set"]);

    public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        log.WriteLine($"C libraries are in {c.Session.Dirs.Sysroot}");
        return Task.CompletedTask;
    }

    public IReadOnlyList<BuildUnit> Expand(BuildSession session, BuildUnit step)
    {
        var sysroot = Sysroot(session);
        var set = step.With.GetValueOrDefault("set", "recipe");
        if (set == "sysroot")
            return sysroot is null ? [] : [Unit(session, sysroot, optional: false, [])];
        if (set != "recipe")
            throw new WasipyException($"{session.Config.FilePath}: libraries with set '{set}': expected recipe or sysroot", 2);
        var units = new List<BuildUnit>();
        foreach (var (lib, optional) in RecipeLoader.LoadLibraries(session.Recipe))
        {
            foreach (var need in lib.Needs)
                if (units.All(u => u.Id != Id(need)))
                    throw new WasipyException($"{lib.FilePath}: library '{lib.Name}' needs '{need}', which {session.Recipe.FilePath} does not list before it under libraries", 2);
            units.Add(Plan(session, lib, optional, sysroot));
        }
        return units;
    }

    /// <summary>A library's unit, built into the sysroot after the toolchain's own C library (<paramref name="sysroot"/>,
    /// <see cref="Sysroot"/>), if it builds one.</summary>
    public static BuildUnit Plan(BuildSession session, ComponentRecipe lib, bool optional, ComponentRecipe? sysroot) =>
        Unit(session, lib, optional, sysroot is null ? [] : [Id(sysroot.Name)]);

    /// <summary>The toolchain's own C library recipe, if it builds one.</summary>
    public static ComponentRecipe? Sysroot(BuildSession session) =>
        session.SysrootRecipe is { } path ? RecipeLoader.LoadLibrary(path) : null;

    public static string Id(string library) => "lib/" + library;

    /// <summary>The unit of a library built for side modules (`link: dynamic`).</summary>
    public static string SideId(string library) => "side-lib/" + library;

    /// <summary>Where one flavour of library unit builds: the interpreter's (into dirs.sysroot with the session's
    /// toolchain) or the side modules' (into dirs.side_sysroot with theirs); folders under dirs.libs.</summary>
    private sealed record Flavour(string IdPrefix, string Title, string Folder, ResolvedToolchain Toolchain, string Sysroot);

    private static BuildUnit Unit(BuildSession session, ComponentRecipe lib, bool optional, IReadOnlyList<string> alsoNeeds) =>
        Unit(session, lib, optional, alsoNeeds, new Flavour(Id(""), "libraries: ", "", session.Toolchain, session.Dirs.Sysroot));

    /// <summary>A library built again for side modules: with wasipy.yaml's side_modules compilers (position-independent
    /// code, which a side module must be made of) into dirs.side_sysroot, where a `link: dynamic` build's packages
    /// find their libraries; its needs are the side builds of the libraries it names.</summary>
    public static BuildUnit PlanSide(BuildSession session, SideModuleTools tools, ComponentRecipe lib, bool optional) =>
        Unit(session, lib, optional, [], new Flavour(SideId(""), "side-module libraries: ", "side", tools.Toolchain, session.Dirs.SideSysroot));

    private static BuildUnit Unit(BuildSession session, ComponentRecipe lib, bool optional, IReadOnlyList<string> alsoNeeds, Flavour flavour)
    {
        var dirs = session.Dirs;
        var side = flavour.Folder.Length > 0;
        var sourceDir = Path.Combine(dirs.Libs, side ? flavour.Folder + "-src" : "src", lib.Name);
        return ComponentPlanner.Plan(lib, new ComponentPlace
        {
            IdPrefix = flavour.IdPrefix,
            TitlePrefix = flavour.Title,
            SourceDir = sourceDir,
            StampDir = Path.Combine(dirs.Libs, ".wasipy", side ? flavour.Folder + "-libs" : "libs"),
            LogPath = Path.Combine(dirs.Libs, "logs", flavour.Folder, lib.Name + ".log"),
            LockDir = dirs.Libs,
            Model = TemplateModel.ForLibrary(session, Lib(lib, flavour.Sysroot, sourceDir), flavour.Toolchain, flavour.Sysroot),
            Needs = alsoNeeds,
            // The interpreter's toolchain is ensured by its own step; the side modules' by the first unit that needs it.
            Prelude = side && flavour.Toolchain.Ensure.Length > 0 ? [flavour.Toolchain.Ensure] : [],
            Fingerprint = [$"{flavour.Toolchain.Cc} --version"],
        }, optional);
    }

    private static ScriptObject Lib(ComponentRecipe lib, string prefix, string sourceDir) => new()
    {
        ["name"] = lib.Name, ["version"] = lib.Version, ["prefix"] = prefix, ["src"] = sourceDir,
        ["inputs"] = new ScriptArray(RecipeLoader.RelativeToRecipe(lib.FilePath, lib.Inputs)),
    };
}
