namespace Wasipy.Processes;

/// <summary>
/// An exclusive lock on a folder (a lock file inside it), so that two wasipy runs never build in the same
/// folder at once; the second waits, saying what it waits for. The lock goes with the process.
/// </summary>
public sealed class DirectoryLock : IDisposable
{
    private readonly FileStream _stream;

    private DirectoryLock(FileStream stream) => _stream = stream;

    public static async Task<DirectoryLock> AcquireAsync(string directory, Action<string> waiting, CancellationToken cancellation)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, ".wasipy.lock");
        var told = false;
        while (true)
        {
            try
            {
                return new DirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                if (!told) waiting($"waiting for another wasipy run to finish with {directory}");
                told = true;
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellation);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
