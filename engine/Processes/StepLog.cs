namespace Wasipy.Processes;

/// <summary>A step's log file. Lines from stdout and stderr arrive concurrently, so writes are serialized.</summary>
public sealed class StepLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    public StepLog(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    public string Path { get; }

    public void WriteLine(string line)
    {
        lock (_lock) _writer.WriteLine(line);
    }

    /// <summary>The last <paramref name="count"/> lines of a log file, for failure reports.</summary>
    public static IReadOnlyList<string> Tail(string path, int count)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new Queue<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Enqueue(line);
            if (lines.Count > count) lines.Dequeue();
        }
        return lines.ToList();
    }

    public void Dispose()
    {
        lock (_lock) _writer.Dispose();
    }
}
