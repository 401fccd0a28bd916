using System.CommandLine;
using Wasipy.Errors;

namespace Wasipy.Cli;

/// <summary>What every command shares: the output streams, the signals, the progress display and the options.</summary>
public sealed record CliContext(TextWriter Stdout, TextWriter Stderr, Signals Signals, ConsoleReporter Reporter, CliOptions Options)
{
    /// <summary>Runs a command's action: a failure the user can act on prints its message only (exit 1, or 2 for bad
    /// input); anything else one line (the trace with --verbose); Ctrl-C says where it stopped.</summary>
    public async Task<int> Guard(ParseResult parse, Func<Task<int>> action)
    {
        var verbose = parse.GetValue(Options.Verbose);
        try
        {
            return await action();
        }
        catch (WasipyException e)
        {
            Stderr.WriteLine($"wasipy: {e.Message}");
            if (verbose) Stderr.WriteLine(e);
            return e.ExitCode;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not one of ours: one line, the trace only on request.
            Stderr.WriteLine($"wasipy: unexpected error: {e.Message}{(verbose ? "" : " (run with --verbose for the trace)")}");
            if (verbose) Stderr.WriteLine(e);
            return 1;
        }
        catch (OperationCanceledException)
        {
            Stderr.WriteLine(Reporter.Running is { } step
                ? $"wasipy: cancelled during {step}; the next run resumes there"
                : "wasipy: cancelled");
            return Signals.ExitCode;
        }
    }

    /// <summary>A command whose action runs under <see cref="Guard"/>.</summary>
    public Command Command(string name, string description, IEnumerable<Symbol> symbols, Func<ParseResult, Command, Task<int>> action)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            if (symbol is Argument argument) command.Arguments.Add(argument);
            else if (symbol is Option option) command.Options.Add(option);
        }
        command.SetAction((parse, _) => Guard(parse, () => action(parse, command)));
        return command;
    }
}
