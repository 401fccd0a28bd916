using Wasipy.Cli;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Pipeline.Actions;
using Wasipy.Recipes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Packages;

/// <summary>Package recipes (recipes/packages/NAME.yaml): what is refused before anything runs, and the module table.</summary>
public class PackageRecipeTests
{
    private static string Package(string name, string extra = "") => $$$"""
        name: {{{name}}}
        version: "1.0"
        source:
          urls: ["file:///nowhere/{{{name}}}.tgz"]
          sha256: {{{Samples.Sha}}}
        site: ["{{ pkg.src }}/{{{name}}}"]
        {{{extra}}}
        """;

    private static (TempDir Dir, string Recipe) Project(params (string Name, string Text)[] packages)
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: packages
                uses: packages
            """));
        foreach (var (name, text) in packages) dir.File($"recipes/packages/{name}.yaml", text);
        return (dir, dir.File("recipes/3.11.yaml", Samples.Recipe));
    }

    private static async Task<(int Exit, string Stderr)> Plan(string recipe, params string[] more)
    {
        var stderr = new StringWriter();
        var exit = await WasipyCli.RunAsync(["plan", recipe, .. more], new StringWriter(), stderr);
        return (exit, stderr.ToString().Trim());
    }

    [Fact]
    public async Task An_unknown_package_is_refused_naming_the_known_ones()
    {
        var (dir, recipe) = Project(("idna", Package("idna")));
        using var _ = dir;

        var (exit, stderr) = await Plan(recipe, "--with", "numpie");

        Assert.Equal(2, exit);
        Assert.Contains($"--with numpie: there is no package recipe {dir.Combine("recipes", "packages", "numpie.yaml")}; known packages: idna", stderr);
    }

    [Fact]
    public async Task Two_packages_that_build_the_same_module_are_refused_with_the_line()
    {
        var (dir, recipe) = Project(("a", Package("a", "build: [\"true\"]\nmodules: { fast._speedups: PyInit__speedups }")),
                                    ("b", Package("b", "build: [\"true\"]\nmodules: { fast._speedups: PyInit__speedups }")));
        using var _ = dir;

        var (exit, stderr) = await Plan(recipe, "--with", "a,b");

        Assert.Equal(2, exit);
        Assert.Contains("b.yaml(", stderr);
        Assert.Contains("module 'fast._speedups' is also built by package 'a'; a built-in module name can be used once", stderr);
    }

    [Theory]
    [InlineData("modules: { fast._speedups: \"PyInit-x\" }", "init symbol 'PyInit-x' of fast._speedups is not a C identifier like PyInit__speedups")]
    [InlineData("modules: { \"fast..x\": PyInit_x }", "module 'fast..x' is not a dotted Python module name")]
    [InlineData("modules: { fast.x: PyInit_x }", "a package with extension modules needs build commands")]
    [InlineData("needs: [zz]", "package 'a' needs 'zz', which has no recipe")]
    public async Task A_bad_package_recipe_is_an_error_before_anything_runs(string extra, string message)
    {
        var (dir, recipe) = Project(("a", Package("a", extra)));
        using var _ = dir;

        var (exit, stderr) = await Plan(recipe, "--with", "a");

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task Packages_in_a_mode_that_does_not_embed_the_library_are_refused()
    {
        var (dir, recipe) = Project(("idna", Package("idna")));
        using var _ = dir;

        var (exit, stderr) = await Plan(recipe, "--with", "idna", "--stdlib", "zip");

        Assert.Equal(2, exit);
        Assert.Contains("packages (idna) are built into python.wasm in the stdlib modes that embed the library (packed); 'zip' does not yet", stderr);
    }

    [Fact]
    public async Task Each_package_is_a_unit_of_its_own_before_the_packages_step()
    {
        var (dir, recipe) = Project(("a", Package("a")), ("b", Package("b", "needs: [a]")));
        using var _ = dir;

        var units = UnitPlanner.Plan(BuildSession.Open(new BuildOptions { RecipePath = recipe, With = ["a", "b"] }));

        Assert.Equal(["packages: a", "packages: b", "packages"], units.Select(u => u.Title));
        Assert.Equal(["pkg/a"], units[1].Needs);
        Assert.Equal(["pkg/a", "pkg/b"], units[2].Needs);
    }

    private static string Library(string name, string extra = "") => $$$"""
        name: {{{name}}}
        version: "1.0"
        source:
          urls: ["file:///nowhere/{{{name}}}.tgz"]
          sha256: {{{Samples.Sha}}}
        build: ["make install PREFIX={{ lib.prefix }}"]
        {{{extra}}}
        """;

    [Fact]
    public async Task A_package_builds_the_C_libraries_it_names_before_it_and_only_in_a_build_with_it()
    {
        var (dir, recipe) = Project(("img", Package("img", "libraries: [../libs/png.yaml, ../libs/jpeg.yaml]")), ("idna", Package("idna")));
        using var _ = dir;
        dir.File("recipes/libs/png.yaml", Library("png"));
        dir.File("recipes/libs/jpeg.yaml", Library("jpeg", "needs: [png]"));

        var with = UnitPlanner.Plan(BuildSession.Open(new BuildOptions { RecipePath = recipe, With = ["img", "idna"] }));
        var without = UnitPlanner.Plan(BuildSession.Open(new BuildOptions { RecipePath = recipe, With = ["idna"] }));

        Assert.Equal(["libraries: png", "libraries: jpeg", "packages: img", "packages: idna", "packages"], with.Select(u => u.Title));
        Assert.Equal(["lib/png"], with[1].Needs);
        Assert.Equal(["lib/png", "lib/jpeg"], with[2].Needs);
        Assert.Empty(with[3].Needs);
        Assert.Equal(["packages: idna", "packages"], without.Select(u => u.Title));
        // The library's own unit: its commands render with the sysroot as its prefix, like a library the CPython recipe lists.
        Assert.Contains(BuildSession.Open(new BuildOptions { RecipePath = recipe }).Dirs.Sysroot, with[0].Commands.Single());
        var (exit, stderr) = await Plan(recipe, "--with", "idna");
        Assert.Equal(0, exit);
    }

    [Theory]
    [InlineData("libraries: [../libs/jpeg.yaml]", "library 'jpeg' needs 'png': list png's recipe before it under libraries")]
    [InlineData("libraries: [../libs/nope.yaml]", "library recipe '../libs/nope.yaml' not found")]
    [InlineData("libraries: [../../../etc/passwd]", "library recipe '../../../etc/passwd' is outside the project folder")]
    public async Task A_package_naming_a_library_it_cannot_build_is_refused(string extra, string message)
    {
        var (dir, recipe) = Project(("img", Package("img", extra)));
        using var _ = dir;
        dir.File("recipes/libs/png.yaml", Library("png"));
        dir.File("recipes/libs/jpeg.yaml", Library("jpeg", "needs: [png]"));

        var (exit, stderr) = await Plan(recipe, "--with", "img");

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void The_module_table_registers_each_dotted_name_once_before_python_starts()
    {
        var c = PackagesAction.Inittab([("yaml._yaml", "PyInit__yaml"), ("yaml._other", "PyInit__yaml")]);

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(c, @"extern PyObject \*PyInit__yaml\(void\);"));
        Assert.Contains("{\"yaml._yaml\", PyInit__yaml},", c);
        Assert.Contains("__attribute__((constructor))", c);
        Assert.Contains("if (done) return;", c);
    }

    [Fact]
    public void A_package_brings_the_packages_it_needs_before_it()
    {
        var (dir, recipe) = Project(("a", Package("a")), ("b", Package("b", "needs: [a]")));
        using var _ = dir;

        var session = BuildSession.Open(new BuildOptions { RecipePath = recipe, With = ["b"] });

        Assert.Equal(["a", "b"], session.Packages.Select(p => p.Recipe.Name));
    }

    [Theory]
    [InlineData("v3.0.11", "git commit 'v3.0.11' is not a full 40-hex commit id; a tag or branch name alone is not a pin")]
    [InlineData("bb4180ad", "git commit 'bb4180ad' is not a full 40-hex commit id")]
    public async Task A_git_source_without_a_full_commit_id_is_refused(string commit, string message)
    {
        var (dir, recipe) = Project(("tool", $$$"""
            name: tool
            version: "1"
            tool: true
            source:
              git:
                url: https://example.invalid/tool.git
                commit: {{{commit}}}
            """));
        using var _ = dir;

        var (exit, stderr) = await Plan(recipe, "--with", "tool");

        Assert.Equal(2, exit);
        Assert.Contains("tool.yaml(7,", stderr);
        Assert.Contains(message, stderr);
    }
}
