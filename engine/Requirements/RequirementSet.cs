using Wasipy.Errors;

namespace Wasipy.Requirements;

/// <summary>A package recipe (recipes/packages/NAME.yaml) as requirements see it: it provides NAME at its version, never
/// pip; one that builds C code cannot come from pip at all.</summary>
public sealed record RecipePackage(string Name, string Version, string FilePath, bool Compiled, bool InBuild, IReadOnlyList<string> Needs)
{
    /// <summary>Why pip may not provide it, and what to do instead.</summary>
    public string Refusal(string needer) => Compiled
        ? $"{Name}{needer} has C extensions: use `--with {Name}` ({FilePath}) or write a package recipe"
        : $"{Name}{needer} is built from its package recipe, never by pip: use `--with {Name}` ({FilePath})";
}

/// <summary>
/// What a build asks of pip: the requirements (the recipe's, then --requirements), where their lock lives, pip's index
/// options and the package recipes, which provide their names instead of pip.
/// </summary>
public sealed record RequirementSet(IReadOnlyList<Requirement> Requirements, string LockPath, PipIndex Index, IReadOnlyList<RecipePackage> RecipePackages)
{
    /// <summary>The requirements as written, in order: what a lock is for.</summary>
    public IReadOnlyList<string> Texts => Requirements.Select(r => r.Text).ToList();

    /// <summary>The requirements of a build, or null when it has none. A requirement that names a package recipe not in
    /// the build, or pins another version than the recipe's, is refused here (exit 2).</summary>
    public static RequirementSet? Open(Recipes.Recipe recipe, string? requirementsFile, PipIndex index, string projectRoot,
        IReadOnlyList<Recipes.ComponentRecipe> inBuild)
    {
        var requirements = RequirementsFile.FromRecipe(recipe).Concat(requirementsFile is null ? [] : RequirementsFile.Read(requirementsFile)).ToList();
        if (requirements.Count == 0) return null;
        var duplicate = requirements.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new WasipyException($"{duplicate.Last().Origin}: '{duplicate.Key}' is required twice ({string.Join(", ", duplicate.Select(r => r.Origin))}); " +
                                      "write it once, with every condition on that line", 2);
        var packages = LoadRecipePackages(recipe, projectRoot, inBuild);
        foreach (var requirement in requirements)
        {
            if (packages.FirstOrDefault(p => p.Name == requirement.Name) is not { } package) continue;
            // A `link: dynamic` build may install a compiled package's wheel (side modules; e.g. one an earlier build wrote).
            if (!package.InBuild && package.Compiled && recipe.Link == Recipes.Recipe.Dynamic) continue;
            if (!package.InBuild)
                throw new WasipyException($"{requirement.Origin}: {package.Refusal("")}", 2);
            if (requirement.Pinned is { } pinned && pinned != package.Version)
                throw new WasipyException($"{requirement.Origin}: '{requirement.Text}' asks for {package.Name} {pinned}, but {package.FilePath} builds {package.Version}; " +
                                          "the versions must agree: change the requirement or the recipe", 2);
        }
        // Beside the requirements file (requirements.txt -> requirements.lock.json), else beside the recipe.
        var lockPath = Path.ChangeExtension(Path.GetFullPath(requirementsFile ?? recipe.FilePath), ".lock.json");
        return new RequirementSet(requirements, lockPath, index, packages);
    }

    /// <summary>Every package recipe beside the recipe (packages/*.yaml) that is not a build tool.</summary>
    private static IReadOnlyList<RecipePackage> LoadRecipePackages(Recipes.Recipe recipe, string projectRoot, IReadOnlyList<Recipes.ComponentRecipe> inBuild)
    {
        var folder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(recipe.FilePath))!, "packages");
        if (!Directory.Exists(folder)) return [];
        var built = inBuild.Select(p => Path.GetFullPath(p.FilePath)).ToHashSet();
        var all = Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).Select(Recipes.RecipeLoader.LoadPackage).ToList();
        // A build tool (Cython) is never shipped, so it is no one's requirement.
        var tools = all.Where(p => p.Package!.Tool).Select(p => p.Name).ToHashSet();
        return all.Where(p => !p.Package!.Tool)
            .Select(p => new RecipePackage(Requirement.Normalize(p.Name), p.Version, Path.GetRelativePath(projectRoot, p.FilePath),
                p.Package!.Modules.Count > 0, built.Contains(Path.GetFullPath(p.FilePath)), p.Needs.Where(n => !tools.Contains(n)).Select(Requirement.Normalize).ToList()))
            .ToList();
    }
}
