using Wasipy.Errors;

namespace Wasipy.Project;

/// <summary>Where a project's wasipy.yaml is: in the recipe's folder or one of its parents.</summary>
public static class ProjectFile
{
    public const string FileName = "wasipy.yaml";

    /// <summary>Finds wasipy.yaml in the folder of <paramref name="start"/> or any parent.</summary>
    public static string Find(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, FileName);
            if (File.Exists(candidate)) return candidate;
        }
        throw new WasipyException($"no {FileName} found in {start} or its parents. Run wasipy from the project folder or pass --config.", 2);
    }
}
