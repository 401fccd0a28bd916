namespace Wasipy.Tests.Support;

/// <summary>The checkout's root (the folder with wasipy.yaml), found from the test binaries upwards.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "wasipy.yaml"))) return dir.FullName;
        throw new InvalidOperationException("wasipy.yaml not found above " + AppContext.BaseDirectory);
    }
}
