using System.Text.RegularExpressions;
using Wasipy.Yaml;

namespace Wasipy.Recipes;

/// <summary>Reads and checks a recipe. Every problem names the file, line and column.</summary>
public static partial class RecipeLoader
{
    public static Recipe Load(string path)
    {
        var file = YamlFile.Read(path);
        var recipe = file.Deserialize<Recipe>() with { FilePath = path };
        Validate(file, recipe);
        return recipe;
    }

    private static void Validate(YamlFile file, Recipe recipe)
    {
        if (!VersionPattern().IsMatch(recipe.Version))
            throw file.Error($"version '{recipe.Version}' is not a CPython version like 3.11.2", "version");
        if (recipe.Source.Urls.Count == 0)
            throw file.Error("source.urls is empty: give at least one url (the primary, then mirrors)", "source", "urls");
        for (var i = 0; i < recipe.Source.Urls.Count; i++)
        {
            var url = recipe.Source.Urls[i];
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "file" or Fetching.AptSource.Scheme))
                throw file.Error($"'{url}' is not an http(s)://, file:// or apt-source:// url", "source", "urls", i.ToString());
        }
        if (!Sha256Pattern().IsMatch(recipe.Source.Sha256))
            throw file.Error("source.sha256 must be 64 lowercase hex digits (the sha256 of the source archive)", "source", "sha256");
        foreach (var key in recipe.Configure.ConfigSiteOverrides.Keys)
            if (!ShellNamePattern().IsMatch(key))
                throw file.Error($"config_site_overrides key '{key}' is not a shell variable name (letters, digits, _)",
                    "configure", "config_site_overrides", key);
        var recipeDir = Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        for (var i = 0; i < recipe.Patches.Count; i++)
        {
            var patch = ResolvePatch(recipeDir, recipe.Patches[i]);
            if (!File.Exists(patch))
                throw file.Error($"patch '{recipe.Patches[i]}' not found (looked for {patch}); paths are relative to the recipe's folder",
                    "patches", i.ToString());
        }
    }

    /// <summary>Patch paths in a recipe are relative to the recipe's own folder.</summary>
    public static string ResolvePatch(string recipeDir, string patch) => Path.GetFullPath(Path.Combine(recipeDir, patch));

    public static IReadOnlyList<string> PatchPaths(Recipe recipe)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(recipe.FilePath))!;
        return recipe.Patches.Select(p => ResolvePatch(dir, p)).ToList();
    }

    [GeneratedRegex(@"^3\.\d+\.\d+([abc]|rc)?\d*$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ShellNamePattern();
}
