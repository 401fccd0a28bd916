using Wasipy.Cli;
using Wasipy.Recipes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Recipes;

public class RecipeScaffoldTests
{
    /// <summary>Copies the checkout's wasipy.yaml, recipes and patches (recipes name patches as ../patches/..., which
    /// must stay inside the project that wasipy.yaml marks); returns the recipes folder.</summary>
    private static string CopyCheckout(TempDir dir)
    {
        File.Copy(Path.Combine(RepoRoot.Path, "wasipy.yaml"), dir.Combine("wasipy.yaml"));
        Wasipy.Sources.FileSystem.CopyTree(Path.Combine(RepoRoot.Path, "recipes"), dir.Combine("recipes"));
        Wasipy.Sources.FileSystem.CopyTree(Path.Combine(RepoRoot.Path, "patches"), dir.Combine("patches"));
        return dir.Combine("recipes");
    }

    [Fact]
    public async Task New_makes_a_loadable_recipe_with_the_new_version_and_no_borrowed_hash()
    {
        using var temp = new TempDir();
        var recipes = CopyCheckout(temp);
        var stdout = new StringWriter();

        var exit = await WasipyCli.RunAsync(["new", "3.16", "--from", "3.13", "--recipes", recipes], stdout, new StringWriter());

        Assert.Equal(0, exit);
        var recipe = RecipeLoader.Load(Path.Combine(recipes, "3.16.yaml"));
        Assert.Equal("3.16.0", recipe.Version);
        Assert.Equal(["https://www.python.org/ftp/python/3.16.0/Python-3.16.0.tar.xz"], recipe.Source.Urls);
        Assert.Equal(RecipeScaffold.UnknownSha256, recipe.Source.Sha256);
        Assert.Contains("config-3.16-wasm32-wasi", recipe.Stdlib.Prune);
        Assert.StartsWith("# CPython 3.16 for wasm32-wasi. Scaffolded from 3.13.yaml", File.ReadAllLines(Path.Combine(recipes, "3.16.yaml"))[1]);
        Assert.Contains("set source.sha256", stdout.ToString());
        // The old version's patches are kept as a starting point (there are none for 3.16 yet); lint checks them.
        Assert.Equal([Path.GetFullPath(Path.Combine(recipes, "../patches/3.13/0001-asyncio-event-loop-without-socketpair-on-wasi.patch"))], RecipeLoader.PatchPaths(recipe));
    }

    [Fact]
    public async Task New_never_overwrites_an_existing_recipe()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(RepoRoot.Path, "recipes", "3.13.yaml"), dir.Combine("3.13.yaml"));
        dir.File("3.14.yaml", "mine");
        var stderr = new StringWriter();

        var exit = await WasipyCli.RunAsync(["new", "3.14", "--from", "3.13", "--recipes", dir.Path], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("exists already", stderr.ToString());
        Assert.Equal("mine", File.ReadAllText(dir.Combine("3.14.yaml")));
    }

    [Fact]
    public async Task Matrix_lists_every_recipe_in_version_order_as_json()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await WasipyCli.RunAsync(["matrix", "--recipes", Path.Combine(RepoRoot.Path, "recipes")], stdout, new StringWriter()));
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        var names = json.RootElement.GetProperty("include").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Equal(names.OrderBy(n => Version.Parse(n!.Split('-')[0])).ToList(), names);
        Assert.Contains("3.13-threads", names);   // a variant is a job of its own
        Assert.Contains("3.11", names);
        Assert.Contains("3.13", names);
        Assert.Contains("3.13.5", names);   // two recipes of one minor version are two jobs
        Assert.All(json.RootElement.GetProperty("include").EnumerateArray(),
            e => Assert.StartsWith("recipes/", e.GetProperty("recipe").GetString()));
    }

    [Fact]
    public async Task New_puts_a_pre_release_in_the_folder_of_its_final_release_as_python_org_does()
    {
        using var temp = new TempDir();
        var recipes = CopyCheckout(temp);

        var exit = await WasipyCli.RunAsync(["new", "3.16.0a1", "--from", "3.13", "--recipes", recipes], new StringWriter(), new StringWriter());

        Assert.Equal(0, exit);
        var recipe = RecipeLoader.Load(Path.Combine(recipes, "3.16.yaml"));
        Assert.Equal("3.16.0a1", recipe.Version);
        Assert.Equal(["https://www.python.org/ftp/python/3.16.0/Python-3.16.0a1.tar.xz"], recipe.Source.Urls);
    }
}
