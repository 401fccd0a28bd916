using System.CommandLine;
using System.CommandLine.Parsing;
using Wasipy.Cli.Commands;

namespace Wasipy.Cli;

/// <summary>The command line: one class per command (Cli/Commands); expected failures print their message only and exit 1
/// (or 2 for bad input).</summary>
public static class WasipyCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        using var signals = new Signals();
        var c = new CliContext(stdout, stderr, signals, new ConsoleReporter(stdout, !Console.IsOutputRedirected), new CliOptions());
        var root = new RootCommand("wasipy: build CPython for WebAssembly (wasm32-wasi) from declarative recipes")
        {
            RunCommand.Create(c), PlanCommand.Create(c), PlanCommand.Why(c), VerifyCommand.Create(c), RecipeCommands.Lint(c),
            ExecCommand.Create(c), TestCommand.Create(c), RecipeCommands.New(c), RecipeCommands.Matrix(c), RecipeCommands.Schema(c), CacheCommand.Create(c),
            c.Options.Verbose,
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) stderr.WriteLine($"wasipy: {error.Message}");
            // The whole command path ("cache prune"), so that the hint can be run as it is.
            var path = new List<string>();
            for (var result = parsed.CommandResult; result is not null && result.Command != root; result = result.Parent as CommandResult)
                path.Insert(0, result.Command.Name);
            stderr.WriteLine($"Run 'wasipy {string.Concat(path.Select(name => name + " "))}--help' for usage.");
            return 2;
        }
        // wasipy handles SIGINT and SIGTERM itself (Signals), to end the steps' process groups first.
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null });
    }
}
