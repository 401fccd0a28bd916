using Wasipy.Errors;

namespace Wasipy.Requirements;

/// <summary>Reads requirements in pip's syntax: a requirements file (comments, blank lines and `\` continuations as pip
/// reads them) or a recipe's `requirements:` list. Bad input names the file and line (exit 2).</summary>
public static class RequirementsFile
{
    public static IReadOnlyList<Requirement> Read(string path)
    {
        if (Sources.FileKinds.OfTarget(path) != Sources.FileKind.File)
            throw new WasipyException($"--requirements {path}: no such file (a requirements file in pip's syntax, one requirement per line)", 2);
        var requirements = new List<Requirement>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var text = StripComment(lines[i]);
            while (text.EndsWith('\\') && i + 1 < lines.Length) text = text[..^1] + StripComment(lines[++i]);
            if (text.Trim().Length == 0) continue;
            var (requirement, problem) = Requirement.Parse(text, $"{path}:{number}");
            requirements.Add(requirement ?? throw new WasipyException($"{path}:{number}: {problem}", 2));
        }
        return requirements;
    }

    /// <summary>pip's rule: # starts a comment at the start of a line or after white space.</summary>
    private static string StripComment(string line)
    {
        for (var i = 0; i < line.Length; i++)
            if (line[i] == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        return line;
    }

    /// <summary>A recipe's `requirements:` entries; an error names the recipe's line and column.</summary>
    public static IReadOnlyList<Requirement> FromRecipe(Recipes.Recipe recipe) =>
        recipe.Requirements.Select((text, i) =>
        {
            var (requirement, problem) = Requirement.Parse(text, $"{recipe.FilePath}: requirements[{i}]");
            return requirement ?? throw Yaml.YamlFile.Read(recipe.FilePath).Error(problem!, "requirements", i.ToString());
        }).ToList();
}
