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
        var result = await CliWrap.Cli.Wrap("bash")
            .WithArguments(["-euo", "pipefail", "-c", command])
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(log.WriteLine))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(log.WriteLine))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellation);
        return result.ExitCode;
    }

    /// <summary>Runs a command and returns its stdout and stderr together (for fingerprints and checks).</summary>
    public static async Task<(int ExitCode, string Output)> CaptureAsync(string command, string workingDirectory, CancellationToken cancellation)
    {
        Directory.CreateDirectory(workingDirectory);
        var output = new StringBuilder();
        var result = await CliWrap.Cli.Wrap("bash")
            .WithArguments(["-euo", "pipefail", "-c", command])
            .WithWorkingDirectory(workingDirectory)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellation);
        output.Append(result.StandardOutput).Append(result.StandardError);
        return (result.ExitCode, output.ToString());
    }
}
