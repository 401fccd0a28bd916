using Wasipy.Lint;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Lint;

public class SchemaTests
{
    [Fact]
    public void The_committed_schemas_are_what_the_model_generates_now()
    {
        foreach (var (file, type, title, without) in SchemaWriter.Schemas)
            Assert.True(SchemaWriter.Generate(type, title, without) == File.ReadAllText(Path.Combine(RepoRoot.Path, "schemas", file)),
                $"schemas/{file} is out of date: run `./wasipy schema` and commit the result");
    }

    [Fact]
    public void Every_shipped_yaml_file_names_its_schema_for_editors()
    {
        var expected = new List<(string Path, string Schema)> { (Path.Combine(RepoRoot.Path, "wasipy.yaml"), "schemas/wasipy.schema.json") };
        expected.AddRange(Directory.GetFiles(Path.Combine(RepoRoot.Path, "recipes"), "*.yaml").Select(p => (p, "../schemas/recipe.schema.json")));
        expected.AddRange(Directory.GetFiles(Path.Combine(RepoRoot.Path, "recipes", "libs"), "*.yaml").Select(p => (p, "../../schemas/library.schema.json")));
        expected.AddRange(Directory.GetFiles(Path.Combine(RepoRoot.Path, "recipes", "packages"), "*.yaml").Select(p => (p, "../../schemas/package.schema.json")));
        foreach (var (path, schema) in expected)
        {
            Assert.Equal($"# yaml-language-server: $schema={schema}", File.ReadLines(path).First());
            Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, schema))), schema);
        }
    }

    [Fact]
    public void A_schema_requires_what_the_loader_requires_and_refuses_unknown_keys()
    {
        var recipe = System.Text.Json.Nodes.JsonNode.Parse(SchemaWriter.Generate(typeof(Wasipy.Recipes.Recipe), "t"))!;
        Assert.Equal(["version", "source", "configure"], recipe["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(recipe["additionalProperties"]!.GetValue<bool>());
        Assert.Null(recipe["properties"]!["file_path"]);
        Assert.Null(recipe["properties"]!["major_minor"]);
    }
}
