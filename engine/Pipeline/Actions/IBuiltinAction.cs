using Wasipy.Caching;
using Wasipy.Processes;
using Wasipy.Project;

namespace Wasipy.Pipeline.Actions;

/// <summary>
/// A step that is code rather than shell commands (`uses: NAME` in wasipy.yaml). One class per action says
/// which `with:` parameters it takes (checked when wasipy.yaml loads), what it adds to the key, what it
/// produces and how it runs.
/// </summary>
public interface IBuiltinAction
{
    string Name { get; }
    ActionSignature Parameters { get; }
    void AddToKey(ActionContext context, CacheKey.Builder key) { }
    IEnumerable<string> Outputs(ActionContext context) => [];
    /// <summary>The date (Unix seconds) of the build's own source, once this action has it: every step without a source
    /// of its own gets it as SOURCE_DATE_EPOCH (the `fetch` action gives the CPython archive's).</summary>
    long? SourceDate(ActionContext context) => null;
    /// <summary>Whether the unit cache may keep this step's outputs for other checkouts (false: it always runs when stale).</summary>
    bool Cacheable => true;
    Task RunAsync(ActionContext context, StepLog log, CancellationToken cancellation);
}

/// <summary>An action that stands for several units, planned in its place (the recipe's C libraries).</summary>
public interface IExpandingAction : IBuiltinAction
{
    /// <summary>The units that run before the step itself; the step's key includes all of theirs.</summary>
    IReadOnlyList<BuildUnit> Expand(BuildSession session, BuildUnit step);
}

/// <summary>What an action sees: the build, its own unit (parameters rendered) and the shared services.</summary>
public sealed record ActionContext(BuildSession Session, BuildUnit Unit, ActionServices Services)
{
    /// <summary>The keys of the units before this one in the run (for provenance).</summary>
    public IReadOnlyDictionary<string, CacheKey> Keys { get; init; } = new Dictionary<string, CacheKey>();

    /// <summary>Every unit of the run's plan (a step reads what the units it needs export).</summary>
    public IReadOnlyList<BuildUnit> Planned { get; init; } = [];

    /// <summary>Ctrl-C or SIGTERM: hashing and copying trees check it.</summary>
    public CancellationToken Cancellation { get; init; }

    public string Param(string name) => Unit.Require(name);
}
