using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Wasipy.Launcher;

/// <summary>
/// Hands the command line, unchanged, to `./wasipy` with WASIPY_LAUNCHER set (off: run the engine; stale: publish
/// the launcher again first), in place of this process (execve), so the engine's output, exit code and signals are
/// the user's as if the launcher had not been there.
/// </summary>
public static partial class Fallback
{
    public const string Variable = "WASIPY_LAUNCHER";

    public static int ToEngine(string wasipyScript, IReadOnlyList<string> args, string reason)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key != Variable)
            .Select(e => $"{e.Key}={e.Value}")
            .Append($"{Variable}={reason}")
            .ToArray();
        string[] argv = [wasipyScript, .. args];
        Execve(wasipyScript, [.. argv, null], [.. environment, null]);
        // execve returns only when it failed: run the script as a child instead and pass its exit code on.
        if (!File.Exists(wasipyScript))
        {
            Console.Error.WriteLine($"wasipy: {wasipyScript} is missing, so the engine cannot run this command; run the launcher from its place in .cache/launcher");
            return 1;
        }
        var start = new ProcessStartInfo(wasipyScript) { UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment[Variable] = reason;
        using var child = Process.Start(start)!;
        if (child.WaitForExit(TimeSpan.FromHours(24))) return child.ExitCode;   // exec's own limit
        child.Kill(entireProcessTree: true);
        return 128;
    }

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execve(string path, string?[] argv, string?[] envp);
}
