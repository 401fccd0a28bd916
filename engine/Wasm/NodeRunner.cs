using CliWrap;
using CliWrap.Buffered;
using Wasipy.Errors;
using Wasipy.Processes;

namespace Wasipy.Wasm;

/// <summary>
/// Runs WASI command modules under Node's built-in node:wasi (hosts/node/run.mjs), a second host that nobody here
/// wrote: results can be checked against Wasmtime's. Node runs in its own process group, ended at the time limit.
/// </summary>
public sealed class NodeRunner(string script) : IWasiHost
{
    public WasiResult Run(WasiRun run) => RunAsync(run).GetAwaiter().GetResult();

    /// <summary>The stack Node's main thread gets (RLIMIT_STACK), far above V8's --stack-size.</summary>
    private const long NodeStackBytes = 64L * 1024 * 1024;

    private async Task<WasiResult> RunAsync(WasiRun run)
    {
        if (!File.Exists(run.WasmPath))
            throw new WasipyException($"{run.WasmPath} does not exist; build it first with `wasipy run <recipe>`");
        if (!File.Exists(script))
            throw new WasipyException($"{script} is missing: the Node host script comes with the project (hosts/node/run.mjs)");
        // --timeout: a wasi-threads module's threads are ended by the script itself (the process group is killed at
        // the limit too, a few seconds later, should Node not get there).
        var args = new List<string> { "--no-warnings", "--stack-size=8000", script, "--wasm", run.WasmPath,
            "--timeout", Math.Max(1, (int)Math.Ceiling(run.Timeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (run.Args.Count > 0) args.AddRange(["--argv0", run.Args[0]]);
        foreach (var preopen in run.Preopens)
        {
            if (!Directory.Exists(preopen.HostPath))
                throw new WasipyException($"cannot map {preopen.HostPath} to {preopen.GuestPath}: the folder does not exist");
            args.AddRange(["--dir", $"{preopen.HostPath}::{preopen.GuestPath}{(preopen.ReadOnly ? ":ro" : "")}"]);
        }
        foreach (var (name, value) in run.Environment) args.AddRange(["--env", $"{name}={value}"]);
        args.Add("--");
        args.AddRange(run.Args.Skip(1));
        // V8 checks its own stack limit (--stack-size=8000 KiB, for CPython's deep recursion) against a main thread
        // whose stack the OS sizes from RLIMIT_STACK, 8 MiB by default: close to the limit, native frames overflow
        // the real stack first and Node dies of SIGSEGV instead of throwing RangeError (test_ast, test_shutil did).
        // Node starts with a 64 MiB stack, so V8's limit is always the one reached.
        var command = ProcessGroup.Command("prlimit", [$"--stack={NodeStackBytes}", "node", .. args]);
        using var timeout = new CancellationTokenSource(run.Timeout + (WasmImports.IsThreadsModule(run.WasmPath) ? TimeSpan.FromSeconds(5) : TimeSpan.Zero));
        try
        {
            if (run.InheritStdio)
            {
                await using var stdin = Console.OpenStandardInput();
                await using var stdout = Console.OpenStandardOutput();
                await using var stderr = Console.OpenStandardError();
                var result = await ProcessGroup.RunAsync(command.WithStandardInputPipe(PipeSource.FromStream(stdin))
                    .WithStandardOutputPipe(PipeTarget.ToStream(stdout)).WithStandardErrorPipe(PipeTarget.ToStream(stderr)), timeout.Token);
                return new WasiResult(result.ExitCode, "", "", null);
            }
            if (run.Stdin is not null) command = command.WithStandardInputPipe(PipeSource.FromString(run.Stdin));
            var buffered = await ProcessGroup.RunAsync(command, (c, t) => c.ExecuteBufferedAsync(t), timeout.Token);
            return new WasiResult(buffered.ExitCode, buffered.StandardOutput, buffered.StandardError, Trap(buffered.ExitCode, buffered.StandardError));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new WasiResult(128, "", "", $"timed out after {run.Timeout.TotalSeconds:0}s");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new WasipyException("node is not installed: apt-get install nodejs (Node 20 or later has node:wasi)", 2);
        }
    }

    /// <summary>A wasm trap surfaces as an uncaught RuntimeError from Node (from a threads module: "thread: RuntimeError: …"
    /// or "timed out after Ns", with exit 128); a crash of Node itself as a signal exit.</summary>
    private static string? Trap(int exitCode, string stderr)
    {
        // V8 ends wasm that recurses past --stack-size with a RangeError, where Wasmtime traps ("call stack exhausted").
        var runtimeError = stderr.Split('\n').FirstOrDefault(l => l.StartsWith("RuntimeError: ", StringComparison.Ordinal)
            || l.StartsWith("RangeError: Maximum call stack size exceeded", StringComparison.Ordinal)
            || exitCode == 128 && (l.Contains(": RuntimeError: ", StringComparison.Ordinal) || l.StartsWith("timed out after ", StringComparison.Ordinal)));
        if (runtimeError is not null) return runtimeError.Trim();
        return exitCode > 128 ? $"node ended by signal {exitCode - 128}" : null;
    }

    public void Dispose() { }
}
