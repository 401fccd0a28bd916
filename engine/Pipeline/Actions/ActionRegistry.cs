using Wasipy.Project;

namespace Wasipy.Pipeline.Actions;

/// <summary>The built-in actions by name. wasipy.yaml's `uses:` and `with:` are checked against it when it loads.</summary>
public sealed class ActionRegistry
{
    private readonly IReadOnlyDictionary<string, IBuiltinAction> _actions;

    private ActionRegistry(IEnumerable<IBuiltinAction> actions) => _actions = actions.ToDictionary(a => a.Name);

    public static ActionRegistry Default { get; } = new([
        new FetchAction(), new ExtractAction(), new PatchAction(), new LibrariesAction(), new PackagesAction(), new VfsImageAction(), new ProvenanceAction(), new SmokeTestAction(),
    ]);

    /// <summary>A registry with one more action (or one replaced).</summary>
    public ActionRegistry With(IBuiltinAction action) => new(_actions.Values.Where(a => a.Name != action.Name).Append(action));

    public IBuiltinAction this[string name] => _actions[name];

    public IReadOnlyDictionary<string, ActionSignature> Signatures => _actions.ToDictionary(kv => kv.Key, kv => kv.Value.Parameters);
}
