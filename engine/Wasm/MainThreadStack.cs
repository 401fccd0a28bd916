namespace Wasipy.Wasm;

/// <summary>The stack of a process's first thread, which grows up to the process's stack limit (`ulimit -s`, 8 MiB
/// by default on Linux): enough for a guest (Wasmtime gives wasm at most 2 MiB of it) when the limit is high.</summary>
public static class MainThreadStack
{
    /// <summary>Whether the soft stack limit is at least <paramref name="bytes"/> (or unlimited); false when it cannot
    /// be read.</summary>
    public static bool IsAtLeast(long bytes, string limitsFile = "/proc/self/limits")
    {
        try
        {
            foreach (var line in File.ReadLines(limitsFile))
            {
                if (!line.StartsWith("Max stack size", StringComparison.Ordinal)) continue;
                var soft = line["Max stack size".Length..].TrimStart().Split(' ', 2)[0];
                return soft == "unlimited" || (long.TryParse(soft, out var limit) && limit >= bytes);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }
}
