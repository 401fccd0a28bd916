using Wasipy.Cli;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>`link: dynamic` / `--link dynamic`: what changes in the plan of the project's own 3.13 recipe, and what
/// does not change in its static build.</summary>
public class LinkTests
{
    private static readonly string Recipe313 = Path.Combine(RepoRoot.Path, "recipes", "3.13.yaml");

    private static IReadOnlyList<BuildUnit> Plan(string? link, params string[] with) =>
        UnitPlanner.Plan(BuildSession.Open(new BuildOptions { RecipePath = Recipe313, Link = link, With = with }));

    private static BuildUnit Unit(IReadOnlyList<BuildUnit> units, string id) => units.Single(u => u.Id == id);

    [Fact]
    public void A_dynamic_build_of_a_static_recipe_builds_in_a_folder_of_its_own()
    {
        var dynamic = BuildSession.Open(new BuildOptions { RecipePath = Recipe313, Link = "dynamic" });
        var plain = BuildSession.Open(new BuildOptions { RecipePath = Recipe313 });
        Assert.Equal("dynamic", dynamic.Recipe.Link);
        Assert.Equal("static", plain.Recipe.Link);
        Assert.EndsWith(Path.Combine("build", "3.13.15-dynamic"), dynamic.Dirs.Build);
        Assert.EndsWith(Path.Combine("build", "3.13.15"), plain.Dirs.Build);
        Assert.Equal(plain.Dirs.Sysroot, dynamic.Dirs.Sysroot);   // the C libraries are the same
    }

    [Fact]
    public void The_static_build_has_none_of_the_main_module_parts_and_the_dynamic_build_has_them_all()
    {
        static string Text(BuildUnit u) => string.Join('\n', u.Commands.Concat(u.Inputs).Concat(u.Files.Select(f => f.Content)));
        var plain = Plan(null);
        var dynamic = Plan("dynamic");
        foreach (var id in new[] { "configure", "make", "link" })
        {
            Assert.DoesNotContain("wasipy_dl", Text(Unit(plain, id)));
            Assert.DoesNotContain("main-module.rsp", Text(Unit(plain, id)));
        }
        Assert.DoesNotContain("ac_cv_func_dlopen=yes", Text(Unit(plain, "configure")));
        Assert.Contains("ac_cv_func_dlopen=yes", Unit(dynamic, "configure").Files.Single().Content.Split('\n').Last(l => l.Length > 0));
        Assert.Contains(Path.Combine(RepoRoot.Path, "compat", "wasipy_dl.c"), Unit(dynamic, "make").Inputs);
        Assert.Equal(Unit(plain, "make").Inputs.Count + 2, Unit(dynamic, "make").Inputs.Count);
        foreach (var id in new[] { "make", "link" })
            Assert.Contains("wasipy_dl.o @" + Path.Combine(RepoRoot.Path, "compat", "main-module.rsp") + " @", Text(Unit(dynamic, id)));
        Assert.Contains("libc-undefined.rsp", Unit(dynamic, "make").Commands[0]);
    }

    [Fact]
    public void A_package_of_a_dynamic_build_becomes_side_modules_named_with_the_extension_suffix()
    {
        var side = Unit(Plan("dynamic", "markupsafe"), "pkg/markupsafe");
        Assert.StartsWith("clang-19 --target=wasm32-wasi -fPIC", side.Environment["CC"]);
        var so = Path.Combine("out", "side", "markupsafe", "_speedups.cpython-313-wasm32-wasi.so");
        Assert.Contains(side.Outputs, o => o.EndsWith(so, StringComparison.Ordinal));
        Assert.Matches("wasm-ld-19 -shared .* -u '?PyInit__speedups'? -o .*_speedups.cpython-313-wasm32-wasi.so.* .*libmarkupsafe.a", side.Commands[^1]);
        Assert.Empty(side.Exports["modules"]);
        Assert.Empty(side.Exports["link"]);

        var linked = Unit(Plan(null, "markupsafe"), "pkg/markupsafe");
        Assert.StartsWith("clang-16", linked.Environment["CC"]);
        Assert.Equal(["markupsafe._speedups=PyInit__speedups"], linked.Exports["modules"]);
        Assert.DoesNotContain(linked.Commands, c => c.Contains("wasm-ld"));
    }

    [Fact]
    public void A_dynamic_build_builds_every_C_library_again_for_side_modules_and_its_packages_link_those()
    {
        var units = Plan("dynamic", "pyyaml", "msgpack");
        var session = BuildSession.Open(new BuildOptions { RecipePath = Recipe313, Link = "dynamic" });
        var side = units.Where(u => u.Id.StartsWith("side-lib/", StringComparison.Ordinal)).ToList();
        // The recipe's libraries in its order, then what only side modules need (the C++ library).
        Assert.Equal(["zlib", "bzip2", "xz", "sqlite3", "wasi-compat", "uuid", "libyaml", "libcxx-side"], side.Select(u => u.StampName));
        var libyaml = Unit(units, "side-lib/libyaml");
        Assert.Contains(libyaml.Commands, c => c.Contains("CC='clang-19 --target=wasm32-wasi -fPIC", StringComparison.Ordinal)
                                                && c.Contains("--prefix=" + session.Dirs.SideSysroot, StringComparison.Ordinal));
        Assert.Equal(["side-lib/wasi-compat"], Unit(units, "side-lib/uuid").Needs);
        // Different folders from the interpreter's build of the same library, so neither replaces the other.
        Assert.NotEqual(Unit(units, "lib/libyaml").WorkingDirectory, libyaml.WorkingDirectory);
        Assert.NotEqual(Unit(units, "lib/libyaml").Outputs, libyaml.Outputs);

        var pyyaml = Unit(units, "pkg/pyyaml");
        Assert.Contains("side-lib/libyaml", pyyaml.Needs);
        Assert.Contains(Path.Combine(session.Dirs.SideSysroot, "lib", "libyaml.a"), pyyaml.Commands[^1]);
        Assert.DoesNotContain(Path.Combine(session.Dirs.Sysroot, "lib"), pyyaml.Commands[^1]);
        Assert.Contains("-I" + Path.Combine(session.Dirs.SideSysroot, "include"), pyyaml.Environment["PY_CFLAGS"]);
        // A C++ side module carries the parts of the side modules' libc++ it uses.
        var msgpack = Unit(units, "pkg/msgpack");
        Assert.Contains("-isystem " + Path.Combine(session.Dirs.SideSysroot, "include", "c++", "v1"), msgpack.Environment["CXX"]);
        Assert.Matches($"-L'?{System.Text.RegularExpressions.Regex.Escape(Path.Combine(session.Dirs.SideSysroot, "lib"))}'? .*libmsgpack.a'? -lc\\+\\+ -lc\\+\\+abi", msgpack.Commands[^1]);
        Assert.Equal("llvm-ar-19", msgpack.Environment["AR"]);
    }

    [Fact]
    public void A_static_build_and_a_dynamic_build_without_extension_modules_build_no_library_twice()
    {
        Assert.DoesNotContain(Plan(null, "pyyaml", "msgpack"), u => u.Id.StartsWith("side-lib/", StringComparison.Ordinal));
        Assert.DoesNotContain(Plan("dynamic", "idna"), u => u.Id.StartsWith("side-lib/", StringComparison.Ordinal));
        Assert.DoesNotContain(Plan("dynamic"), u => u.Id.StartsWith("side-lib/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_side_modules_library_outside_the_project_is_an_error_at_its_line()
    {
        using var dir = new TempDir();
        using var outside = new TempDir();
        outside.File("libs/evil.yaml", "name: evil\n");
        var project = Samples.Project("").Replace("steps:", $"side_modules:\n  cc: clang\n  ar: ar\n  ranlib: ranlib\n  link: ld\n  suffix: .so\n  libraries: [{Path.Combine(outside.Path, "libs", "evil.yaml")}]\nsteps:");
        dir.File("wasipy.yaml", project);
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var e = Assert.ThrowsAny<WasipyException>(() => BuildSession.Open(new BuildOptions { RecipePath = recipe }));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("wasipy.yaml(", e.Message);
        Assert.Contains("outside the project folder", e.Message);
    }

    [Fact]
    public void Dynamic_linking_with_a_threads_toolchain_is_refused_as_bad_input()
    {
        var e = Assert.Throws<WasipyException>(() => BuildSession.Open(new BuildOptions { RecipePath = Path.Combine(RepoRoot.Path, "recipes", "3.13-threads.yaml"), Link = "dynamic" }));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("wasm32-wasi-threads", e.Message);
    }

    [Fact]
    public async Task An_unknown_link_on_the_command_line_is_a_usage_error()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, await WasipyCli.RunAsync(["plan", Recipe313, "--link", "shared"], stdout, stderr));
        Assert.Contains("shared", stderr.ToString());
    }

    [Fact]
    public void An_unknown_link_in_a_recipe_is_an_error_at_its_line()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(""));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe + "\nlink: shared\n");
        var e = Assert.ThrowsAny<WasipyException>(() => BuildSession.Open(new BuildOptions { RecipePath = recipe }));
        Assert.Contains("link 'shared' is not one of static, dynamic", e.Message);
        Assert.Contains("3.11.yaml(", e.Message);
    }
}
