using System.Text.Json;

namespace Wasipy.Recipes;

/// <summary>`wasipy matrix`: the CPython recipes as a JSON object for a CI matrix ({"include": [...]}).</summary>
public static class RecipeMatrix
{
    public sealed record Entry(string Name, string Version, string Recipe);

    public static IReadOnlyList<Entry> Entries(string recipesDir, string relativeTo) =>
        Directory.GetFiles(recipesDir, "*.yaml")
            // The file name is the job name: recipes/3.13.yaml and recipes/3.13.5.yaml are two jobs.
            .Select(path => (Path: path, Name: Path.GetFileNameWithoutExtension(path), Recipe: RecipeLoader.Load(path)))
            .OrderBy(r => Version.Parse(r.Recipe.MajorMinor)).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new Entry(r.Name, r.Recipe.Version, Path.GetRelativePath(relativeTo, r.Path).Replace('\\', '/')))
            .ToList();

    public static string Json(IReadOnlyList<Entry> entries) =>
        JsonSerializer.Serialize(new { include = entries.Select(e => new { name = e.Name, version = e.Version, recipe = e.Recipe }) });
}
