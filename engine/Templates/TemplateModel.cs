using Scriban.Runtime;

namespace Wasipy.Templates;

/// <summary>The template model's shapes that more than one planner needs.</summary>
public static class TemplateModel
{
    /// <summary>A shallow copy, to which a planner adds its own names (pkg, deps).</summary>
    public static ScriptObject Copy(ScriptObject model)
    {
        var copy = new ScriptObject();
        foreach (var key in model.Keys) copy[key] = model[key];
        return copy;
    }
}
