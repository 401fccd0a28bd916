using Wasipy.Project;

namespace Wasipy.Pipeline;

/// <summary>A step with all its templates rendered for one build.</summary>
public sealed record PlannedStep
{
    public required StepSpec Spec { get; init; }
    /// <summary>False when the step's `when` rendered to "false": it is skipped.</summary>
    public bool Enabled { get; init; } = true;
    public string Name => Spec.Name;
    public IReadOnlyList<string> Commands { get; init; } = [];
    public IReadOnlyList<(string Path, string Content)> Files { get; init; } = [];
    public required string WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Inputs { get; init; } = [];
    public IReadOnlyList<string> Outputs { get; init; } = [];
    public IReadOnlyList<string> Fingerprint { get; init; } = [];
    public IReadOnlyDictionary<string, string> With { get; init; } = new Dictionary<string, string>();

    public string Require(string parameter) =>
        With.TryGetValue(parameter, out var value)
            ? value
            : throw new Errors.WasipyException($"step '{Name}' ({Spec.Uses}) needs 'with: {{ {parameter}: ... }}' in wasipy.yaml", 2);
}
