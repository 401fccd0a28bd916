using Scriban.Runtime;
using Wasipy.Pipeline;
using Wasipy.Project;
using Wasipy.Recipes;

namespace Wasipy.Templates;

/// <summary>
/// The one projection of a build's typed state into what templates see (recipe.*, dirs.*, toolchain.*, stdlib.*,
/// packages.*, snapshot.*, app.*, dist, jobs, prefix, env.*). C# code reads the typed records; only this class
/// writes names into a template model.
/// </summary>
public static class TemplateModel
{
    /// <summary>What templates see before the folders and the toolchain's commands are known (they are rendered
    /// from it).</summary>
    public static ScriptObject Start(Recipe recipe, ProjectConfig config, IReadOnlyDictionary<string, string> environment, int jobs,
        string stdlibMode, StdlibModeSpec stdlib, string toolchainName, bool threads, string sysroot) => new()
    {
        ["recipe"] = RecipeModel(recipe),
        ["env"] = Values(environment),
        ["jobs"] = jobs,
        ["prefix"] = config.InstallPrefix,
        ["stdlib"] = new ScriptObject
        {
            ["mode"] = stdlibMode,
            ["embedded"] = stdlib.Embedded,
            ["compiled"] = stdlib.Compiled,
            ["sourceless"] = stdlib.Sourceless,
            ["zipped"] = stdlib.Zipped,
            ["prune"] = new ScriptArray(recipe.Stdlib.Prune),
        },
        ["dirs"] = new ScriptObject { ["project"] = config.Root },
        ["toolchain"] = new ScriptObject { ["name"] = toolchainName, ["threads"] = threads, ["sysroot"] = sysroot },
    };

    /// <summary>The build's folders as dirs.*.</summary>
    public static void SetDirs(ScriptObject model, BuildDirs dirs)
    {
        var values = new ScriptObject();
        foreach (var (name, path) in dirs.ForTemplates) values[name] = path;
        model["dirs"] = values;
    }

    public static void SetToolchain(ScriptObject model, ResolvedToolchain toolchain) => model["toolchain"] = Toolchain(toolchain);

    /// <summary>toolchain.*: its name, whether it targets threads, its C library recipe and its rendered commands.</summary>
    private static ScriptObject Toolchain(ResolvedToolchain t) => new()
    {
        ["name"] = t.Name, ["threads"] = t.Threads, ["sysroot"] = t.Sysroot, ["ensure"] = t.Ensure,
        ["cc"] = t.Cc, ["cxx"] = t.Cxx, ["ar"] = t.Ar, ["ranlib"] = t.Ranlib, ["strip"] = t.Strip,
    };

    /// <summary>What only a finished session adds: packages.*, snapshot.*, app.*, dist.</summary>
    /// <param name="requirements">whether pip installs requirements: site-packages then has packages even with no recipe package.</param>
    public static void Finish(ScriptObject model, IReadOnlyList<(ComponentRecipe Recipe, bool Optional)> packages, bool requirements, bool snapshot,
        IEnumerable<string> snapshotImports, string dist, string appDir, string appMain)
    {
        model["packages"] = new ScriptObject
        {
            ["any"] = requirements || packages.Any(p => !p.Recipe.Package!.Tool),
            ["names"] = new ScriptArray(packages.Select(p => p.Recipe.Name)),
            ["checks"] = new ScriptArray(packages.SelectMany(p => p.Recipe.Package!.Checks)),
        };
        model["snapshot"] = new ScriptObject { ["enabled"] = snapshot, ["imports"] = string.Join(",", snapshotImports) };
        model["dist"] = dist;
        model["app"] = new ScriptObject { ["dir"] = appDir, ["main"] = appMain, ["any"] = appDir.Length > 0 };
    }

    /// <summary>The product as product.* (steps such as the smoke test name it).</summary>
    public static void SetProduct(ScriptObject model, Wasm.PythonInstall product) =>
        model["product"] = new ScriptObject { ["wasm"] = product.WasmPath, ["host_prefix"] = product.HostPrefix, ["guest_prefix"] = product.GuestPrefix };

    /// <summary>What a C library recipe's templates see: lib.*, toolchain.*, jobs, env.* and the shared folders.</summary>
    /// <paramref name="toolchain"/> and <paramref name="sysroot"/> are the session's, or those of side modules.
    public static ScriptObject ForLibrary(BuildSession session, ScriptObject lib, ResolvedToolchain toolchain, string sysroot) => new()
    {
        ["lib"] = lib,
        ["toolchain"] = Toolchain(toolchain),
        ["jobs"] = session.Jobs,
        ["env"] = Values(session.Environment),
        ["dirs"] = new ScriptObject { ["project"] = session.Dirs.Project, ["libs"] = session.Dirs.Libs, ["sysroot"] = sysroot },
    };

    /// <summary>A package of a `link: dynamic` build sees the side modules' sysroot as dirs.sysroot.</summary>
    public static void UseSideSysroot(ScriptObject model, BuildDirs dirs)
    {
        var values = new ScriptObject();
        foreach (var (name, path) in dirs.ForTemplates) values[name] = path;
        values["sysroot"] = dirs.SideSysroot;
        model["dirs"] = values;
    }

    /// <summary>What a package recipe's templates see: everything a step sees, and pkg.* and deps.*.</summary>
    public static ScriptObject ForPackage(BuildSession session, ScriptObject pkg, ScriptObject deps)
    {
        var copy = new ScriptObject();
        foreach (var key in session.Model.Keys) copy[key] = session.Model[key];
        copy["pkg"] = pkg;
        copy["deps"] = deps;
        return copy;
    }

    public static ScriptObject Values(IReadOnlyDictionary<string, string> values)
    {
        var result = new ScriptObject();
        foreach (var (key, value) in values) result[key] = value;
        return result;
    }

    private static ScriptObject RecipeModel(Recipe recipe) => new()
    {
        ["version"] = recipe.Version,
        ["variant"] = recipe.Variant ?? "",
        ["link"] = recipe.Link,
        ["major_minor"] = recipe.MajorMinor,
        ["source"] = new ScriptObject
        {
            ["urls"] = new ScriptArray(recipe.Source.Urls),
            ["sha256"] = recipe.Source.Sha256,
            ["file_name"] = recipe.Source.CacheFileName,
        },
        ["patches"] = new ScriptArray(RecipeLoader.PatchPaths(recipe)),
        ["configure"] = new ScriptObject
        {
            ["host"] = recipe.Configure.Host,
            ["config_site"] = recipe.Configure.ConfigSite,
            ["config_site_overrides"] = Values(recipe.Configure.ConfigSiteOverrides),
            ["flags"] = new ScriptArray(recipe.Configure.Flags),
            ["cflags"] = new ScriptArray(recipe.Configure.Cflags),
            ["ldflags"] = new ScriptArray(recipe.Configure.Ldflags),
        },
        ["smoke"] = new ScriptObject
        {
            ["imports"] = new ScriptArray(recipe.Smoke.Imports),
        },
    };
}
