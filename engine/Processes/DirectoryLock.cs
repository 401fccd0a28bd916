namespace Wasipy.Processes;

/// <summary>
/// An exclusive lock on a folder (a lock file inside it), so that two wasipy runs never build in the same
/// folder at once; the second waits, saying which process it waits for. The lock is the operating system's
/// (flock): it goes with the process, so a run that was killed leaves no stale lock behind.
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
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                File.WriteAllText(path + ".pid", $"{Environment.ProcessId}\n");
                return new DirectoryLock(stream);
            }
            catch (IOException)
            {
                if (!told) waiting($"waiting for another wasipy run to finish with {directory}{Holder(path)}");
                told = true;
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellation);
            }
        }
    }

    /// <summary>" (wasipy pid N)", read without taking the lock.</summary>
    private static string Holder(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path + ".pid").Trim(), out var pid) ? $" (wasipy pid {pid})" : "";
        }
        catch (IOException) { return ""; }
    }

    public void Dispose() => _stream.Dispose();
}
