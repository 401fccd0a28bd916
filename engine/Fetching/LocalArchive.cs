using Wasipy.Sources;

namespace Wasipy.Fetching;

/// <summary>An archive read from the local disk (a `file://` url or a mirror folder): only a regular file is read.</summary>
public static class LocalArchive
{
    private static readonly string[] KernelFolders = ["/proc/", "/sys/"];

    /// <summary>
    /// Opens a regular file for reading; a FIFO (whose open would wait for a writer), a device, a socket or a folder
    /// is refused without being opened, also behind a symbolic link.
    /// </summary>
    public static FileStream Open(string path)
    {
        var kind = FileKinds.Of(path);
        var real = path;
        if (kind == FileKind.SymbolicLink)
        {
            real = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
            kind = FileKinds.Of(real);
        }
        if (kind == FileKind.File && KernelFolders.Any(k => Path.GetFullPath(real).StartsWith(k, StringComparison.Ordinal)))
            throw new PermanentDownloadException($"{path} is under {string.Join(", ", KernelFolders)}, where files are the kernel's (a read may never end); wasipy does not read it");
        return kind switch
        {
            FileKind.File => new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous),
            FileKind.Missing => throw new PermanentDownloadException($"no such file {path}"),
            FileKind.Directory => throw new PermanentDownloadException($"{path} is a folder, not an archive"),
            _ => throw new PermanentDownloadException($"{path} is a FIFO, device or socket, not an archive; wasipy does not read it"),
        };
    }
}
