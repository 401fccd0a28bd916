namespace Wasipy.Sources;

public static class FileSystem
{
    public static void RecreateDirectory(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
    }

    /// <summary>Copies a tree (files, modes, links that stay inside it) as <see cref="SafeTree.Copy"/> does; the source
    /// is only read. A top-level .git is skipped.</summary>
    public static void CopyTree(string source, string destination, CancellationToken cancellation = default)
    {
        if (!Directory.Exists(source))
            throw new Errors.WasipyException($"source folder {source} does not exist; check --source", 2);
        SafeTree.Copy(source, destination, cancellation, [".git"]);
    }
}
