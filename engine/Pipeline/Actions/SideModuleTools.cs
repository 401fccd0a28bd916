using Wasipy.Errors;
using Wasipy.Recipes;
using Wasipy.Templates;

namespace Wasipy.Pipeline.Actions;

/// <summary>
/// wasipy.yaml's side_modules section rendered for one build: the toolchain a `link: dynamic` build's packages and
/// their C libraries are compiled with (position-independent), the command that links one side module and what
/// follows its arguments, the file name suffix, and the libraries only side modules need.
/// </summary>
public sealed record SideModuleTools(ResolvedToolchain Toolchain, string Link, string LinkAfter, string Suffix, IReadOnlyList<string> Libraries)
{
    /// <summary>toolchain.name of what is built with these tools (a library recipe meant only for side modules checks it).</summary>
    public const string ToolchainName = "side-modules";

    public static SideModuleTools For(BuildSession session, string forWhat)
    {
        var spec = session.Config.SideModules
                   ?? throw new WasipyException($"{session.Config.FilePath} has no side_modules section: a `link: dynamic` build cannot make {forWhat} into side modules", 2);
        string Tool(string template, string key) =>
            TemplateRenderer.Render(template, session.Model, Quoting.None, $"{session.Config.FilePath}: side_modules.{key}");
        var cc = Tool(spec.Cc, "cc");
        var toolchain = new ResolvedToolchain(ToolchainName, Threads: false, Sysroot: "", Ensure: Tool(spec.Ensure, "ensure"),
            Cc: cc, Cxx: spec.Cxx is { } cxx ? Tool(cxx, "cxx") : cc, Ar: Tool(spec.Ar, "ar"), Ranlib: Tool(spec.Ranlib, "ranlib"),
            Strip: session.Toolchain.Strip);
        var libraries = spec.Libraries.Select(l => Path.GetFullPath(Path.Combine(session.Config.Root, l))).ToList();
        return new SideModuleTools(toolchain, Tool(spec.Link, "link"), Tool(spec.LinkAfter, "link_after"), Tool(spec.Suffix, "suffix"), libraries);
    }

    /// <summary>Whether this build makes side modules: `link: dynamic` with a package that has extension modules.</summary>
    public static bool Needed(BuildSession session) =>
        session.Recipe.Link == Recipe.Dynamic && session.Packages.Any(p => p.Recipe.Package!.Modules.Count > 0);
}
