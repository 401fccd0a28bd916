using Wasipy.Templates;

namespace Wasipy.Pipeline;

/// <summary>Renders every step's templates up front, so a template error stops the build before anything runs.</summary>
public static class StepPlanner
{
    public static IReadOnlyList<PlannedStep> Plan(BuildSession session)
    {
        var file = session.Config.FilePath;
        return session.Config.Steps.Select(spec =>
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
            if (!enabled) return new PlannedStep { Spec = spec, Enabled = false, WorkingDirectory = session.BuildDir };
            return new PlannedStep
            {
                Spec = spec,
                Commands = spec.Run.Select((c, i) => Shell(c, $"run[{i}]")).ToList(),
                Files = spec.Files.Select((f, i) => (PathOf(f.Path, $"files[{i}].path"), Shell(f.Content, $"files[{i}].content"))).ToList(),
                WorkingDirectory = spec.Cwd is null ? session.BuildDir : PathOf(spec.Cwd, "cwd"),
                Environment = spec.Env.ToDictionary(kv => kv.Key, kv => Plain(kv.Value, $"env.{kv.Key}")),
                Inputs = spec.Inputs.Select((p, i) => PathOf(p, $"inputs[{i}]")).ToList(),
                Outputs = spec.Outputs.Select((p, i) => PathOf(p, $"outputs[{i}]")).ToList(),
                Fingerprint = spec.Fingerprint.Select((c, i) => Shell(c, $"fingerprint[{i}]")).ToList(),
                With = spec.With.ToDictionary(kv => kv.Key, kv => Plain(kv.Value, $"with.{kv.Key}")),
            };
        }).ToList();
    }
}
