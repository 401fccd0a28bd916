namespace Wasipy.Errors;

/// <summary>
/// A failure the user can act on. The message says what went wrong and what to do; the CLI prints
/// only the message (no stack trace) and exits with <see cref="ExitCode"/>.
/// </summary>
public class WasipyException(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Bad input in a YAML file: names the file, line and column.</summary>
public sealed class ConfigException(string file, int line, int column, string problem)
    : WasipyException($"{file}({line},{column}): {problem}", exitCode: 2)
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public string Problem { get; } = problem;
}

/// <summary>A pipeline step failed: carries the step, the exit code and where its log is.</summary>
public sealed class StepFailedException(string step, string problem, string logPath, int? processExitCode = null)
    : WasipyException($"step '{step}' failed: {problem.TrimEnd('.')}. Full log: {logPath}")
{
    public string Step { get; } = step;
    public string LogPath { get; } = logPath;
    public int? ProcessExitCode { get; } = processExitCode;
}
