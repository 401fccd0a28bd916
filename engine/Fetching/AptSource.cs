using CliWrap;
using CliWrap.Buffered;

namespace Wasipy.Fetching;

/// <summary>
/// A mirror in Debian's source archive: apt-source://PACKAGE/FILE finds the source version that lists FILE
/// (`apt-cache showsrc PACKAGE`, through the machine's own deb-src entries), runs
/// `apt-get source --download-only PACKAGE=VERSION` and takes FILE from it. Debian's .orig tarballs of CPython are
/// byte-identical to python.org's, and the recipe's sha256 is checked as for any other url.
/// </summary>
public static class AptSource
{
    public const string Scheme = "apt-source";

    /// <summary>Downloads into a temporary folder and returns the named file opened for reading (deleted on close).</summary>
    public static async Task<Stream> DownloadAsync(Uri uri, CancellationToken cancellation)
    {
        var package = uri.Host;
        var fileName = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var version = VersionServing(await ShowSourceAsync(package, cancellation), fileName)
            ?? throw new PermanentDownloadException(
                $"no deb-src entry of this machine serves {fileName} (package {package}). " +
                "docker/install-toolchain.sh adds deb-src entries for bullseye to forky; run it, or apt-get update");
        var folder = Directory.CreateTempSubdirectory("wasipy-apt-");
        try
        {
            var result = await Run(["apt-get", "source", "--download-only", "-q", $"{package}={version}"], folder.FullName, cancellation);
            // apt-get may fail on the .dsc or .debian.tar while the .orig tarball arrived; the sha256 decides.
            var path = Path.Combine(folder.FullName, fileName);
            if (!File.Exists(path))
                throw new PermanentDownloadException(
                    $"apt-get source {package}={version} did not bring {fileName} (exit code {result.ExitCode}, it brought: " +
                    $"{string.Join(", ", folder.GetFiles().Select(f => f.Name))}): {result.StandardError.Trim()}");
            var copy = Path.Combine(Path.GetTempPath(), $"wasipy-{Guid.NewGuid():N}-{fileName}");
            File.Move(path, copy);
            return new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.DeleteOnClose);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The Version of the first `apt-cache showsrc` stanza whose file lists name <paramref name="fileName"/>, or null.
    /// Several suites may serve one package (python3.13 3.13.5 in trixie, 3.13.15 in forky); the file decides.
    /// </summary>
    public static string? VersionServing(string showSourceOutput, string fileName)
    {
        foreach (var stanza in showSourceOutput.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = stanza.Split('\n');
            var version = lines.FirstOrDefault(l => l.StartsWith("Version: ", StringComparison.Ordinal))?["Version: ".Length..].Trim();
            var listsFile = lines.Any(l => l.StartsWith(' ') && l.TrimEnd().EndsWith(" " + fileName, StringComparison.Ordinal));
            if (version is not null && listsFile)
                return version;
        }
        return null;
    }

    private static async Task<string> ShowSourceAsync(string package, CancellationToken cancellation)
    {
        var result = await Run(["apt-cache", "showsrc", package], Path.GetTempPath(), cancellation);
        return result.ExitCode == 0 ? result.StandardOutput : "";
    }

    private static async Task<BufferedCommandResult> Run(string[] command, string workingDirectory, CancellationToken cancellation)
    {
        try
        {
            return await Processes.ProcessGroup.RunAsync(
                Processes.ProcessGroup.Command(command[0], command[1..]).WithWorkingDirectory(workingDirectory), (c, t) => c.ExecuteBufferedAsync(t), cancellation);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new PermanentDownloadException($"{command[0]} is not available on this machine, so apt-source:// urls cannot be used");
        }
    }
}
