using CliWrap;
using CliWrap.Buffered;

namespace Wasipy.Fetching;

/// <summary>
/// A mirror in Debian's source archive: apt-source://PACKAGE/FILE runs `apt-get source --download-only PACKAGE`
/// (using the machine's own deb-src entries) and takes FILE from it. Debian's .orig tarballs of CPython are
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
        var folder = Directory.CreateTempSubdirectory("wasipy-apt-");
        try
        {
            var result = await CliWrap.Cli.Wrap("apt-get")
                .WithArguments(["source", "--download-only", "-q", package])
                .WithWorkingDirectory(folder.FullName)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellation);
            // apt-get may fail on the .dsc or .debian.tar while the .orig tarball arrived; the sha256 decides.
            var path = Path.Combine(folder.FullName, fileName);
            if (!File.Exists(path) && result.ExitCode != 0)
                throw new PermanentDownloadException(
                    $"apt-get source {package} failed (exit code {result.ExitCode}): {result.StandardError.Trim()}. " +
                    "It needs deb-src entries in apt's sources (docker/install-toolchain.sh adds them) and a recent apt-get update");
            if (!File.Exists(path))
                throw new PermanentDownloadException(
                    $"apt-get source {package} did not bring {fileName} (it brought: {string.Join(", ", folder.GetFiles().Select(f => f.Name))})");
            var copy = Path.Combine(Path.GetTempPath(), $"wasipy-{Guid.NewGuid():N}-{fileName}");
            File.Move(path, copy);
            return new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception)
        {
            throw new PermanentDownloadException("apt-get is not available on this machine");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
