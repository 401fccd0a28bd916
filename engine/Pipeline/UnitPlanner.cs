using Wasipy.Pipeline.Actions;
using Wasipy.Templates;

namespace Wasipy.Pipeline;

/// <summary>
/// Turns wasipy.yaml's steps into build units with every template rendered, so that a template error stops the
/// build before anything runs. A step that uses an expanding action (libraries) is preceded by its units.
/// </summary>
public static class UnitPlanner
{
    public static IReadOnlyList<BuildUnit> Plan(BuildSession session)
    {
        var file = session.Config.FilePath;
        var units = new List<BuildUnit>();
        string? previous = null;
        foreach (var spec in session.Config.Steps)
        {
            string Origin(string what) => $"{file}: step '{spec.Name}', {what}";
            string Shell(string template, string what) => TemplateRenderer.Render(template, session.Model, Quoting.Shell, Origin(what));
            string Plain(string template, string what) => TemplateRenderer.Render(template, session.Model, Quoting.None, Origin(what));
            string PathOf(string template, string what) => Path.GetFullPath(Path.Combine(session.Config.Root, Plain(template, what)));

            var enabled = spec.When is null || Plain(spec.When, "when").Trim() switch
            {
                "true" => true,
                "false" => false,
                var other => throw new Errors.WasipyException($"{Origin("when")}: rendered '{other}', expected true or false", 2),
            };
            var action = spec.Uses is null ? null : session.Actions[spec.Uses];
            var step = new BuildUnit
            {
                Id = spec.Name,
                Title = spec.Name,
                StampName = spec.Name,
                StampDir = session.Dirs.Stamps,
                LogPath = Path.Combine(session.Dirs.Logs, spec.Name + ".log"),
                WorkingDirectory = spec.Cwd is null || !enabled ? session.Dirs.Build : PathOf(spec.Cwd, "cwd"),
                Enabled = enabled,
                Action = action,
                Retry = spec.Retry,
                // A step depends on the step before it, or on the steps it names in `needs`.
                Needs = spec.Needs.Count > 0 ? spec.Needs : previous is null ? [] : [previous],
            };
            if (enabled)
                step = step with
                {
                    Commands = spec.Run.Select((c, i) => Shell(c, $"run[{i}]")).ToList(),
                    Files = spec.Files.Select((f, i) => (PathOf(f.Path, $"files[{i}].path"), Shell(f.Content, $"files[{i}].content"))).ToList(),
                    Environment = spec.Env.ToDictionary(kv => kv.Key, kv => Plain(kv.Value, $"env.{kv.Key}")),
                    // An input that renders empty (`{{ if ... }}FILE{{ end }}`) is one this build does not use.
                    Inputs = spec.Inputs.Select((p, i) => (p, i)).Where(x => Plain(x.p, $"inputs[{x.i}]").Length > 0)
                        .Select(x => PathOf(x.p, $"inputs[{x.i}]")).ToList(),
                    Outputs = spec.Outputs.Select((p, i) => PathOf(p, $"outputs[{i}]")).ToList(),
                    Fingerprint = spec.Fingerprint.Select((c, i) => Shell(c, $"fingerprint[{i}]")).ToList(),
                    With = spec.With.ToDictionary(kv => kv.Key, kv => Plain(kv.Value, $"with.{kv.Key}")),
                };
            if (enabled && action is IExpandingAction expanding)
            {
                var parts = expanding.Expand(session, step);
                units.AddRange(parts);
                step = step with { Needs = [.. step.Needs, .. parts.Select(p => p.Id)] };
            }
            units.Add(step);
            previous = spec.Name;
        }
        return units;
    }
}
