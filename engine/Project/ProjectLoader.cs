using Wasipy.Errors;
using Wasipy.Yaml;

namespace Wasipy.Project;

public static partial class ProjectLoader
{
    public const string FileName = ProjectFile.FileName;

    /// <summary>Finds wasipy.yaml in the folder of <paramref name="start"/> or any parent.</summary>
    public static string Find(string start) => ProjectFile.Find(start);

    /// <summary>Loads and checks wasipy.yaml; each step's `uses:` and `with:` are checked against <paramref name="actions"/>.</summary>
    public static ProjectConfig Load(string path, IReadOnlyDictionary<string, ActionSignature> actions)
    {
        var file = YamlFile.Read(path);
        var config = file.Deserialize<ProjectConfig>(b => b
            .WithTypeMapping<IReadOnlyList<StepSpec>, List<StepSpec>>()
            .WithTypeMapping<IReadOnlyList<FileSpec>, List<FileSpec>>()
            .WithTypeMapping<IReadOnlyDictionary<string, ToolchainSpec>, Dictionary<string, ToolchainSpec>>()
            .WithTypeMapping<IReadOnlyDictionary<string, StdlibModeSpec>, Dictionary<string, StdlibModeSpec>>()
            .WithTypeMapping<IReadOnlyList<int>, List<int>>());
        config = config with { Root = Path.GetDirectoryName(Path.GetFullPath(path))!, FilePath = path };
        Validate(file, config, actions);
        return config;
    }

    private static void Validate(YamlFile file, ProjectConfig config, IReadOnlyDictionary<string, ActionSignature> actions)
    {
        ValidateDownloads(file, config.Downloads);
        ValidateCache(file, config.Cache);
        if (config.StdlibModes.Count == 0)
            throw file.Error("stdlib_modes is empty: define at least one way to ship the standard library (e.g. packed: { embedded: true })", "stdlib_modes");
        if (config.Toolchains.Count == 0)
            throw file.Error("toolchains is empty: define at least one (cc, ar, ranlib)", "toolchains");
        foreach (var (name, toolchain) in config.Toolchains)
            if (toolchain.Sysroot is { } sysroot)
            {
                var full = Path.GetFullPath(Path.Combine(config.Root, sysroot));
                if (!Sources.SafeTree.IsInside(Sources.SafeTree.RealPath(config.Root), Sources.SafeTree.RealPath(full)))
                    throw file.Error($"toolchain '{name}': sysroot recipe '{sysroot}' is outside the project folder {config.Root}", "toolchains", name, "sysroot");
                if (Sources.FileKinds.OfTarget(full) != Sources.FileKind.File)
                    throw file.Error($"toolchain '{name}': sysroot recipe '{sysroot}' not found or not a regular file; the path is relative to this file's folder", "toolchains", name, "sysroot");
            }
        if (config.SideModules is { } side)
            for (var i = 0; i < side.Libraries.Count; i++)
            {
                var full = Path.GetFullPath(Path.Combine(config.Root, side.Libraries[i]));
                if (!Sources.SafeTree.IsInside(Sources.SafeTree.RealPath(config.Root), Sources.SafeTree.RealPath(full)))
                    throw file.Error($"side_modules: library recipe '{side.Libraries[i]}' is outside the project folder {config.Root}", "side_modules", "libraries", i.ToString());
                if (Sources.FileKinds.OfTarget(full) != Sources.FileKind.File)
                    throw file.Error($"side_modules: library recipe '{side.Libraries[i]}' not found or not a regular file; the path is relative to this file's folder", "side_modules", "libraries", i.ToString());
            }
        if (config.Steps.Count == 0)
            throw file.Error("steps is empty: the pipeline needs at least one step", "steps");
        var names = new HashSet<string>();
        for (var i = 0; i < config.Steps.Count; i++)
        {
            var step = config.Steps[i];
            var at = new[] { "steps", i.ToString() };
            if (!names.Add(step.Name))
                throw file.Error($"step name '{step.Name}' is used twice; step names must be unique", at);
            if (step.Uses is not null && !actions.ContainsKey(step.Uses))
                throw file.Error($"step '{step.Name}' uses '{step.Uses}', which is not a built-in action ({string.Join(", ", actions.Keys.Order())})", [.. at, "uses"]);
            if (step.Uses is null && step.With.Count > 0)
                throw file.Error($"step '{step.Name}' has 'with' but no 'uses'; parameters are for built-in actions", [.. at, "with"]);
            if (step.Uses is not null)
            {
                var signature = actions[step.Uses];
                foreach (var parameter in step.With.Keys)
                    if (!signature.Required.Contains(parameter) && !signature.Optional.Contains(parameter))
                        throw file.Error($"step '{step.Name}': '{step.Uses}' has no parameter '{parameter}'; it takes {Describe(signature)}", [.. at, "with", parameter]);
                foreach (var parameter in signature.Required)
                    if (!step.With.ContainsKey(parameter))
                        throw file.Error($"step '{step.Name}': '{step.Uses}' needs 'with: {{ {parameter}: ... }}'; it takes {Describe(signature)}", [.. at, "uses"]);
            }
            if (step.Uses is not null && step.Run.Count > 0)
                throw file.Error($"step '{step.Name}' has both 'uses' and 'run'; a step is either a built-in action or shell commands", at);
            if (step.Uses is null && step.Run.Count == 0)
                throw file.Error($"step '{step.Name}' has neither 'uses' nor 'run'", at);
            if (!NamePattern().IsMatch(step.Name))
                throw file.Error($"step name '{step.Name}' must be letters, digits, '.', '_' or '-' (it names files)", [.. at, "name"]);
            if (step.Retry is { } retry)
            {
                if (retry.Attempts < 1 || retry.Delay < 0)
                    throw file.Error($"step '{step.Name}': retry.attempts must be 1 or more and retry.delay 0 or more (seconds)", [.. at, "retry"]);
                if (!RetrySpec.Backoffs.Contains(retry.Backoff))
                    throw file.Error($"step '{step.Name}': retry.backoff '{retry.Backoff}' is not one of {string.Join(", ", RetrySpec.Backoffs)}", [.. at, "retry", "backoff"]);
                if (retry.OnOutput is { } pattern)
                    try { _ = new System.Text.RegularExpressions.Regex(pattern); }
                    catch (ArgumentException e) { throw file.Error($"step '{step.Name}': retry.on_output is not a regular expression: {e.Message}", [.. at, "retry", "on_output"]); }
            }
            foreach (var need in step.Needs)
                if (need == step.Name || !names.Contains(need))
                    throw file.Error($"step '{step.Name}' needs '{need}', which is not a step before it", [.. at, "needs"]);
        }
    }

    /// <summary>One day: the longest time-out wasipy accepts (Polly's timeout strategy refuses more).</summary>
    private const int MaxTimeoutSeconds = 86_400;

    private static void ValidateCache(YamlFile file, CacheSpec cache)
    {
        if (cache.RemoteTimeoutSeconds is < 1 or > MaxTimeoutSeconds)
            throw file.Error($"cache.remote_timeout_seconds is {cache.RemoteTimeoutSeconds}: a time-out must be from 1 to {MaxTimeoutSeconds} seconds", "cache", "remote_timeout_seconds");
        if (cache.RemoteRetries is < 0 or > 10)
            throw file.Error($"cache.remote_retries is {cache.RemoteRetries}: it must be from 0 (one try) to 10", "cache", "remote_retries");
        if (cache.Remote is { Length: > 0 } remote)
            try { SharedCache.CacheSettings.ParseRemote(remote, "cache.remote"); }
            catch (Errors.WasipyException e) { throw file.Error(e.Message, "cache", "remote"); }
    }

    private static void ValidateDownloads(YamlFile file, DownloadsSpec downloads)
    {
        foreach (var (key, value) in new[] { ("connect_timeout_seconds", downloads.ConnectTimeoutSeconds),
                     ("idle_timeout_seconds", downloads.IdleTimeoutSeconds), ("attempt_timeout_seconds", downloads.AttemptTimeoutSeconds) })
            if (value is < 1 or > MaxTimeoutSeconds)
                throw file.Error($"downloads.{key} is {value}: a time-out must be from 1 to {MaxTimeoutSeconds} seconds", "downloads", key);
        if (downloads.Retries is < 0 or > 100)
            throw file.Error($"downloads.retries is {downloads.Retries}: it must be from 0 (one try per url) to 100", "downloads", "retries");
        if (downloads.MaxBytes < 1)
            throw file.Error($"downloads.max_bytes is {downloads.MaxBytes}: it must be 1 or more (bytes; the default is 1073741824, 1 GiB)", "downloads", "max_bytes");
    }

    private static string Describe(ActionSignature signature) =>
        signature.Required.Count + signature.Optional.Count == 0
            ? "no parameters"
            : string.Join(", ", signature.Required.Concat(signature.Optional.Select(o => o + " (optional)")));

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial System.Text.RegularExpressions.Regex NamePattern();
}
