using Scriban.Runtime;
using Wasipy.Caching;
using Wasipy.Recipes;
using Wasipy.Templates;

namespace Wasipy.Pipeline.Actions;

/// <summary>
/// Where a component builds and what its templates see: all that a C library and a package do differently
/// (libraries build once for every CPython into the toolchain's sysroot, packages against one CPython).
/// </summary>
public sealed record ComponentPlace
{
    /// <summary>"lib/" or "pkg/": unit ids are this and the component's name, and so are the ids its needs name.</summary>
    public required string IdPrefix { get; init; }
    /// <summary>"libraries: " or "packages: ", before the name in progress lines.</summary>
    public required string TitlePrefix { get; init; }
    public required string SourceDir { get; init; }
    public required string StampDir { get; init; }
    public required string LogPath { get; init; }
    public string? LockDir { get; init; }
    /// <summary>What the recipe's templates see (the component itself as lib.* or pkg.*).</summary>
    public required ScriptObject Model { get; init; }
    /// <summary>Environment under the recipe's own env (rendered already).</summary>
    public IReadOnlyDictionary<string, string> BaseEnv { get; init; } = new Dictionary<string, string>();
    /// <summary>Units it builds after besides the components it needs.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];
    /// <summary>Commands before the recipe's build commands.</summary>
    public IReadOnlyList<string> Prelude { get; init; } = [];
    /// <summary>Commands after the recipe's build commands.</summary>
    public IReadOnlyList<string> Postlude { get; init; } = [];
    /// <summary>Outputs before the recipe's declared ones.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];
    public IReadOnlyList<string> Fingerprint { get; init; } = [];
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Exports { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}

/// <summary>The one planner that turns any component recipe (a C library or a package) into a build unit.</summary>
public static class ComponentPlanner
{
    public static BuildUnit Plan(ComponentRecipe component, ComponentPlace place, bool optional)
    {
        string Origin(string what) => $"{component.FilePath}: {what}";
        string Shell(string t, string what) => TemplateRenderer.Render(t, place.Model, Quoting.Shell, Origin(what));
        var env = new Dictionary<string, string>(place.BaseEnv);
        foreach (var (key, value) in component.Env) env[key] = Render(component, place, value, $"env.{key}");
        return new BuildUnit
        {
            Id = place.IdPrefix + component.Name,
            Title = place.TitlePrefix + component.Name,
            StampName = component.Name,
            StampDir = place.StampDir,
            LogPath = place.LogPath,
            LockDir = place.LockDir,
            Optional = optional,
            Needs = [.. place.Needs, .. component.Needs.Select(n => place.IdPrefix + n)],
            Source = UnitSource.From(component.Source, place.SourceDir, RecipeLoader.PatchPaths(component.FilePath, component.Patches)),
            Data = [new KeyComponent("recipe", ContentHash.OfFile(component.FilePath))],
            Commands = [.. place.Prelude, .. component.Build.Select((c, i) => Shell(c, $"build[{i}]")), .. place.Postlude],
            Files = component.Files.Select((f, i) => (Path.Combine(place.SourceDir, Render(component, place, f.Path, $"files[{i}].path")), Shell(f.Content, $"files[{i}].content"))).ToList(),
            WorkingDirectory = place.SourceDir,
            Environment = env,
            Inputs = RecipeLoader.RelativeToRecipe(component.FilePath, component.Inputs),
            Outputs = [.. place.Outputs, .. component.Outputs.Select((o, i) => Path.GetFullPath(Render(component, place, o, $"outputs[{i}]"), place.SourceDir))],
            Fingerprint = place.Fingerprint,
            Exports = place.Exports,
        };
    }

    /// <summary>A value of the recipe rendered as plain text (not shell-quoted), named by where it is in the file.</summary>
    public static string Render(ComponentRecipe component, ComponentPlace place, string template, string what) =>
        TemplateRenderer.Render(template, place.Model, Quoting.None, $"{component.FilePath}: {what}");
}
