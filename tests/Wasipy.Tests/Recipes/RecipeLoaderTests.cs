using Wasipy.Errors;
using Wasipy.Recipes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Recipes;

public class RecipeLoaderTests
{
    private static ConfigException LoadFails(string yaml)
    {
        using var dir = new TempDir();
        var path = dir.File("recipes/3.11.yaml", yaml);
        return Assert.Throws<ConfigException>(() => RecipeLoader.Load(path));
    }

    [Fact]
    public void A_valid_recipe_loads_into_records()
    {
        using var dir = new TempDir();
        var recipe = RecipeLoader.Load(dir.File("r.yaml", Samples.Recipe));
        Assert.Equal("3.11.2", recipe.Version);
        Assert.Equal("3.11", recipe.MajorMinor);
        Assert.Equal("Python-3.11.2.tgz", recipe.Source.CacheFileName);
        Assert.Equal("no", recipe.Configure.ConfigSiteOverrides["ac_cv_func_dlopen"]);
        Assert.Equal(["json"], recipe.Smoke.Imports);
    }

    /// <summary>The line of the first key a test appends to the sample recipe ("\nkey: ...").</summary>
    private static int AppendedLine => Samples.Recipe.Split('\n').Length + 1;

    [Fact]
    public void An_unknown_key_names_the_file_line_and_column()
    {
        var e = LoadFails(Samples.Recipe + "\nconfgure_flags: [a]\n");
        Assert.EndsWith("3.11.yaml", e.File);
        Assert.Equal(AppendedLine, e.Line);
        Assert.Equal(1, e.Column);
        Assert.Contains("confgure_flags", e.Message);
        Assert.Contains("Remove the key or fix its spelling", e.Message);
    }

    [Fact]
    public void A_wrong_type_names_the_line_of_the_value()
    {
        var e = LoadFails(Samples.Recipe.Replace("flags: [--disable-test-modules]", "flags: {a: b}"));
        Assert.Equal(11, e.Line);
    }

    [Fact]
    public void A_missing_required_field_is_an_error_naming_it()
    {
        var e = LoadFails(Samples.Recipe.Replace("  sha256: " + Samples.Sha + "\n", ""));
        Assert.Contains("sha256", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void A_malformed_sha256_points_at_its_line()
    {
        var e = LoadFails(Samples.Recipe.Replace(Samples.Sha, "abc123"));
        Assert.Equal(5, e.Line);
        Assert.Equal(11, e.Column);
        Assert.Contains("64 lowercase hex digits", e.Message);
    }

    [Fact]
    public void A_config_site_key_that_is_not_a_shell_name_is_refused()
    {
        var e = LoadFails(Samples.Recipe.Replace("ac_cv_func_dlopen:", "\"ac cv; rm -rf /\":"));
        Assert.Equal(10, e.Line);
        Assert.Contains("not a shell variable name", e.Message);
    }

    [Fact]
    public void A_missing_patch_file_is_refused_with_its_path()
    {
        var e = LoadFails(Samples.Recipe + "\npatches: [../patches/3.11/nope.patch]\n");
        Assert.Contains("nope.patch", e.Message);
        Assert.Equal(AppendedLine, e.Line);
    }

    [Fact]
    public void A_regrtest_time_limit_below_one_second_is_an_error_at_its_line()
    {
        var e = LoadFails(Samples.Recipe + "\nregrtest:\n  timeouts:\n    test_slow: 0\n");
        Assert.Contains("3.11.yaml(", e.Message);
        Assert.Contains("test_slow's time limit is 0", e.Message);
    }

    [Fact]
    public void A_regrtest_host_failure_of_a_host_that_does_not_exist_is_an_error_at_its_line()
    {
        var e = LoadFails(Samples.Recipe + "\nregrtest:\n  host_failures:\n    deno:\n      \"a cause\": [test_os]\n");
        Assert.Contains("3.11.yaml(", e.Message);
        Assert.Contains("'deno' is not a host; use one of wasmtime, node", e.Message);
    }

    [Fact]
    public void An_unknown_regrtest_runner_is_refused_with_the_choices()
    {
        var e = LoadFails(Samples.Recipe + "\nregrtest:\n  runner: pytest\n");
        Assert.Contains("regrtest.runner 'pytest' is not one of regrtest, unittest", e.Message);
        Assert.Equal(AppendedLine + 1, e.Line);
    }

    [Fact]
    public void Broken_yaml_syntax_names_the_position()
    {
        var e = LoadFails("version: 3.11.2\nsource: [unclosed\n");
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void Every_shipped_recipe_loads()
    {
        var libraries = Directory.GetFiles(Path.Combine(RepoRoot.Path, "recipes", "libs"), "*.yaml");
        Assert.NotEmpty(libraries);
        var recipes = Directory.GetFiles(Path.Combine(RepoRoot.Path, "recipes"), "*.yaml");
        Assert.NotEmpty(recipes);
        foreach (var path in recipes)
        {
            var recipe = RecipeLoader.Load(path);
            // The file name is the version (3.13.yaml) or the full release (3.13.5.yaml), then the variant (3.13-threads.yaml).
            var name = Path.GetFileNameWithoutExtension(path);
            if (recipe.Variant is { } variant)
            {
                Assert.EndsWith("-" + variant, name);
                name = name[..^(variant.Length + 1)];
            }
            Assert.True(recipe.Version == name || recipe.Version.StartsWith(name + ".", StringComparison.Ordinal), $"{path} holds {recipe.Version}");
            // Every library it names is one of the library recipe files, each loaded once.
            Assert.Equal(recipe.Libraries.Select(l => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, l.Recipe))).Order(),
                RecipeLoader.LoadLibraries(recipe).Select(l => Path.GetFullPath(l.Recipe.FilePath)).Order());
            Assert.Subset(libraries.Select(Path.GetFullPath).ToHashSet(),
                RecipeLoader.LoadLibraries(recipe).Select(l => Path.GetFullPath(l.Recipe.FilePath)).ToHashSet());
        }
        foreach (var library in libraries)
            Assert.Equal(Path.GetFileNameWithoutExtension(library), RecipeLoader.LoadLibrary(library).Name);
    }
}
