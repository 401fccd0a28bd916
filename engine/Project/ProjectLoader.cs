using Wasipy.Errors;
using Wasipy.Yaml;

namespace Wasipy.Project;

public static class ProjectLoader
{
    public const string FileName = "wasipy.yaml";
    public static readonly IReadOnlySet<string> BuiltinActions = new HashSet<string> { "fetch", "extract", "patch", "libraries", "vfs-image", "smoke-test" };

    /// <summary>Finds wasipy.yaml in the folder of <paramref name="start"/> or any parent.</summary>
    public static string Find(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, FileName);
            if (File.Exists(candidate)) return candidate;
        }
        throw new WasipyException($"no {FileName} found in {start} or its parents. Run wasipy from the project folder or pass --config.", 2);
    }

    public static ProjectConfig Load(string path)
    {
        var file = YamlFile.Read(path);
        var config = file.Deserialize<ProjectConfig>(b => b
            .WithTypeMapping<IReadOnlyList<StepSpec>, List<StepSpec>>()
            .WithTypeMapping<IReadOnlyList<FileSpec>, List<FileSpec>>()
            .WithTypeMapping<IReadOnlyDictionary<string, ToolchainSpec>, Dictionary<string, ToolchainSpec>>());
        config = config with { Root = Path.GetDirectoryName(Path.GetFullPath(path))!, FilePath = path };
        Validate(file, config);
        return config;
    }

    private static void Validate(YamlFile file, ProjectConfig config)
    {
        if (config.Toolchains.Count == 0)
            throw file.Error("toolchains is empty: define at least one (cc, ar, ranlib)", "toolchains");
        if (config.Steps.Count == 0)
            throw file.Error("steps is empty: the pipeline needs at least one step", "steps");
        var names = new HashSet<string>();
        for (var i = 0; i < config.Steps.Count; i++)
        {
            var step = config.Steps[i];
            var at = new[] { "steps", i.ToString() };
            if (!names.Add(step.Name))
                throw file.Error($"step name '{step.Name}' is used twice; step names must be unique", at);
            if (step.Uses is not null && !BuiltinActions.Contains(step.Uses))
                throw file.Error($"step '{step.Name}' uses '{step.Uses}', which is not a built-in action ({string.Join(", ", BuiltinActions)})", [.. at, "uses"]);
            if (step.Uses is not null && step.Run.Count > 0)
                throw file.Error($"step '{step.Name}' has both 'uses' and 'run'; a step is either a built-in action or shell commands", at);
            if (step.Uses is null && step.Run.Count == 0)
                throw file.Error($"step '{step.Name}' has neither 'uses' nor 'run'", at);
            foreach (var need in step.Needs)
                if (need == step.Name || !names.Contains(need))
                    throw file.Error($"step '{step.Name}' needs '{need}', which is not a step before it", [.. at, "needs"]);
        }
    }
}
