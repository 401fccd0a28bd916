namespace Wasipy.Exec;

/// <summary>What chooses the python.wasm an `exec` runs: the recipe, the project file (null: found from the recipe's
/// folder upwards) and the build options of the command line.</summary>
public sealed record ExecRequest
{
    public required string RecipePath { get; init; }
    public string? ConfigPath { get; init; }
    public string? StdlibMode { get; init; }
    public bool Snapshot { get; init; }
    public string? Toolchain { get; init; }
    public string? AppDir { get; init; }
    public string? AppMain { get; init; }
    public IReadOnlyList<string> With { get; init; } = [];
}
