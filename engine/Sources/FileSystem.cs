namespace Wasipy.Sources;

public static class FileSystem
{
    public static void RecreateDirectory(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
    }

    /// <summary>Copies a tree (files, modes, symbolic links); the source is only read. .git is skipped.</summary>
    public static void CopyTree(string source, string destination)
    {
        if (!Directory.Exists(source))
            throw new Errors.WasipyException($"source folder {source} does not exist; check --source", 2);
        RecreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
        {
            if (entry.Name == ".git") continue;
            CopyEntry(entry, Path.Combine(destination, entry.Name));
        }
    }

    private static void CopyEntry(FileSystemInfo entry, string target)
    {
        if (FileKinds.Of(entry.FullName) == FileKind.Special)
            throw new Errors.WasipyException($"{entry.FullName} is a FIFO, socket or device, which wasipy does not copy; remove it from the folder", 2);
        if (entry.LinkTarget is { } link)
        {
            File.CreateSymbolicLink(target, link);
        }
        else if (entry is DirectoryInfo dir)
        {
            Directory.CreateDirectory(target);
            foreach (var child in dir.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
                CopyEntry(child, Path.Combine(target, child.Name));
        }
        else
        {
            File.Copy(entry.FullName, target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(entry.FullName));
            File.SetLastWriteTimeUtc(target, entry.LastWriteTimeUtc);
        }
    }
}
