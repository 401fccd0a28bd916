using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace Wasipy.Processes;

/// <summary>Runs shell commands (bash -euo pipefail -c) through CliWrap, streaming output to a step log.</summary>
public static class ShellRunner
{
    public static async Task<int> RunAsync(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        StepLog log, CancellationToken cancellation)
    {
        Directory.CreateDirectory(workingDirectory);
        log.WriteLine($"$ {command}");
        var result = await ProcessGroup.RunAsync(Bash(command)
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(log.WriteLine))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(log.WriteLine)), cancellation);
        return result.ExitCode;
    }

    /// <summary>
    /// Writes <paramref name="files"/>, then runs <paramref name="commands"/> in order with the process environment
    /// plus <paramref name="extraEnvironment"/>; the first command that fails stops it with a StepFailedException.
    /// </summary>
    public static async Task RunScriptAsync(string step, IReadOnlyList<(string Path, string Content)> files, IReadOnlyList<string> commands,
        string workingDirectory, IReadOnlyDictionary<string, string> baseEnvironment, IReadOnlyDictionary<string, string> extraEnvironment,
        StepLog log, CancellationToken cancellation)
    {
        foreach (var (path, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content.EndsWith('\n') ? content : content + "\n", cancellation);
            log.WriteLine($"# wrote {path}:\n{content}");
        }
        var environment = new Dictionary<string, string>(baseEnvironment);
        foreach (var (name, value) in extraEnvironment) environment[name] = value;
        foreach (var command in commands)
        {
            var exit = await RunAsync(command, workingDirectory, environment, log, cancellation);
            if (exit != 0)
                throw new Errors.StepFailedException(step, $"command exited with code {exit}: {Shorten(command)}", log.Path, exit);
        }
    }

    /// <summary>bash -euo pipefail -c COMMAND, in a process group of its own.</summary>
    private static Command Bash(string command) => ProcessGroup.Command("bash", ["-euo", "pipefail", "-c", command]);

    private static string Shorten(string command) => command.Length <= 200 ? command : command[..200] + "…";

    /// <summary>Runs a command and returns its stdout and stderr together (for fingerprints and checks).</summary>
    public static async Task<(int ExitCode, string Output)> CaptureAsync(string command, string workingDirectory, CancellationToken cancellation)
    {
        Directory.CreateDirectory(workingDirectory);
        var output = new StringBuilder();
        var result = await ProcessGroup.RunAsync(Bash(command).WithWorkingDirectory(workingDirectory), (c, t) => c.ExecuteBufferedAsync(t), cancellation);
        output.Append(result.StandardOutput).Append(result.StandardError);
        return (result.ExitCode, output.ToString());
    }
}
