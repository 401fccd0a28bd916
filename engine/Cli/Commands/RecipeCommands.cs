using System.CommandLine;
using Wasipy.Errors;
using Wasipy.Recipes;

namespace Wasipy.Cli.Commands;

/// <summary>The commands about the recipes themselves, which build nothing: new, matrix, lint, schema.</summary>
public static class RecipeCommands
{
    public static Command New(CliContext c)
    {
        var newVersion = new Argument<string>("version") { Description = "The new CPython version, e.g. 3.16 or 3.16.0" };
        var from = new Option<string>("--from") { Description = "The version whose recipe to start from, e.g. 3.15", Required = true };
        return c.Command("new", "Scaffold recipes/X.Y.yaml from an existing recipe (then fill in its sha256)", [newVersion, from, c.Options.RecipesDir], (parse, _) =>
        {
            var dir = parse.GetValue(c.Options.RecipesDir)!;
            var version = parse.GetValue(newVersion)!;
            var majorMinor = string.Join('.', version.Split('.').Take(2));
            var written = RecipeScaffold.Create(Path.Combine(dir, parse.GetValue(from) + ".yaml"), version, Path.Combine(dir, majorMinor + ".yaml"));
            c.Stdout.WriteLine($"wasipy: wrote {written}; set source.sha256 (and check configure.config_site and patches) before building");
            return Task.FromResult(0);
        });
    }

    public static Command Matrix(CliContext c) =>
        c.Command("matrix", "Print the CPython recipes as JSON for a CI matrix", [c.Options.RecipesDir], (parse, _) =>
        {
            var dir = RecipesFolder(parse, c);
            c.Stdout.WriteLine(RecipeMatrix.Json(RecipeMatrix.Entries(dir, Path.GetDirectoryName(Path.GetFullPath(dir))!)));
            return Task.FromResult(0);
        });

    public static Command Lint(CliContext c) =>
        c.Command("lint", "Check every recipe, library and package recipe, template and patch without building", [c.Options.RecipesDir, c.Options.Config], async (parse, _) =>
        {
            var result = await new Lint.Linter(RecipesFolder(parse, c), parse.GetValue(c.Options.Config), c.Stdout).RunAsync(c.Signals.Token);
            return result.Errors > 0 ? 2 : result.PatchFailures > 0 ? 1 : 0;
        });

    public static Command Schema(CliContext c)
    {
        var schemaDir = new Option<string>("--out") { Description = "Where to write the schemas", DefaultValueFactory = _ => "schemas" };
        return c.Command("schema", "Write JSON Schemas for recipes, library and package recipes and wasipy.yaml", [schemaDir], (parse, _) =>
        {
            foreach (var path in Wasipy.Lint.SchemaWriter.WriteAll(parse.GetValue(schemaDir)!)) c.Stdout.WriteLine($"wasipy: wrote {path}");
            return Task.FromResult(0);
        });
    }

    private static string RecipesFolder(ParseResult parse, CliContext c)
    {
        var dir = parse.GetValue(c.Options.RecipesDir)!;
        return Directory.Exists(dir) ? dir : throw new WasipyException($"no recipes folder at {Path.GetFullPath(dir)}; pass --recipes", 2);
    }
}
