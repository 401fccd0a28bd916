using Wasipy.Sources;

namespace Wasipy.Processes;

/// <summary>
/// An exclusive lock on a folder (a lock file inside it), so that two wasipy runs never build in the same
/// folder at once; the second waits, saying which process it waits for. The lock is the operating system's
/// (flock): it goes with the process, so a run that was killed leaves no stale lock behind. Next to it, the holder
/// writes its pid and run id (<c>.wasipy.lock.pid</c>), removed when it lets go: a run that finds that record left
/// by a run that is gone (killed with SIGKILL) first ends every process that run left running (its steps' cgroups
/// and marker, <see cref="ProcessTracking"/>), so a step never runs twice at once.
/// </summary>
public sealed class DirectoryLock : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _record;

    private DirectoryLock(FileStream stream, string record)
    {
        _stream = stream;
        _record = record;
    }

    public static async Task<DirectoryLock> AcquireAsync(string directory, Action<string> waiting, CancellationToken cancellation)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, ".wasipy.lock");
        var record = path + ".pid";
        if (FileKinds.Of(path) is not (FileKind.File or FileKind.Missing))
            throw new Errors.WasipyException($"{path} is not a regular file (a folder, link, FIFO or device); remove it and run again", 2);
        var told = false;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!told) waiting($"waiting for another wasipy run to finish with {directory}{Holder(record)}");
                told = true;
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellation);
                continue;
            }
            try
            {
                EndWhatADeadRunLeft(record, waiting);
                File.WriteAllText(record, $"{Environment.ProcessId}\n{ProcessTracking.RunId}\n");
                return new DirectoryLock(stream, record);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
    }

    /// <summary>The record is removed when a run lets go; one that is still there was left by a run that is gone.</summary>
    private static void EndWhatADeadRunLeft(string record, Action<string> say)
    {
        string[] lines;
        try { lines = File.ReadAllLines(record); }
        catch (FileNotFoundException) { return; }
        if (lines.Length < 2 || lines[1] == ProcessTracking.RunId) return;
        var ended = ProcessTracking.EndRun(lines[1]);
        if (ended > 0)
            say($"ended {ended} process(es) that an earlier wasipy run (pid {lines[0]}, no longer running) left behind in {Path.GetDirectoryName(record)}");
    }

    /// <summary>" (wasipy pid N)", read without taking the lock.</summary>
    private static string Holder(string record)
    {
        try
        {
            return int.TryParse(File.ReadLines(record).FirstOrDefault()?.Trim(), out var pid) ? $" (wasipy pid {pid})" : "";
        }
        catch (IOException) { return ""; }
    }

    public void Dispose()
    {
        try { File.Delete(_record); }
        catch (IOException) { }
        _stream.Dispose();
    }
}
