using Wasipy.Caching;
using Wasipy.Errors;
using Wasmtime;

namespace Wasipy.Wasm;

/// <summary>
/// Runs WASI command modules in-process with Wasmtime. Compiled modules are cached on disk (keyed by the wasm's
/// hash), so a 30 MB python.wasm compiles once. Guests run on a thread with a 16 MiB native stack. A wasi-threads
/// module (wasm32-wasi-threads: it imports wasi.thread-spawn) runs through <see cref="WasiThreadsHost"/> on an engine
/// of its own, with one store, WASI context and OS thread per guest thread.
/// </summary>
public sealed class WasiRunner : IWasiHost
{
    private const int GuestThreadStack = 16 * 1024 * 1024;
    private readonly Engine _engine;
    private readonly string? _moduleCacheDir;

    /// <param name="timeLimits">Whether runs stop at their time limit. The check (epoch interruption) costs about
    /// 15% of pure-Python speed, so `exec`, which runs the user's program for as long as it takes, goes without.</param>
    public WasiRunner(string? moduleCacheDir = null, bool timeLimits = true)
    {
        _moduleCacheDir = moduleCacheDir;
        _timeLimits = timeLimits;
        using var config = new Config().WithEpochInterruption(timeLimits).WithMaximumStackSize(2 * 1024 * 1024);
        _engine = new Engine(config);
        // The epoch is engine-wide: it ticks once a second for every run, and each run's store has its own
        // deadline in ticks, so that runs in parallel time out on their own.
        _ticker = timeLimits ? new Timer(_ => _engine.IncrementEpoch(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) : null;
    }

    private readonly bool _timeLimits;
    private readonly Timer? _ticker;

    public WasiResult Run(WasiRun run)
    {
        if (!File.Exists(run.WasmPath))
            throw new WasipyException($"{run.WasmPath} does not exist; build it first with `wasipy run <recipe>`");
        if (WasmImports.IsThreadsModule(run.WasmPath)) return RunThreads(run);
        WasiResult? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = RunOnThisThread(run); }
            catch (Exception e) { failure = e; }
        }, GuestThreadStack) { Name = "wasm-guest" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw failure is WasipyException ? failure : new WasipyException($"running {run.WasmPath} failed: {failure.Message}", 1, failure);
        return result!;
    }

    private WasiResult RunOnThisThread(WasiRun run)
    {
        CheckPreopens(run);
        using var module = LoadModule(run.WasmPath);
        using var stdio = new CapturedStdio(run);
        var wasi = Configure(run, stdio, w => w.WithStandardOutput(stdio.Out!).WithStandardError(stdio.Err!));

        using var store = new Store(_engine);
        store.SetWasiConfiguration(wasi);
        if (_timeLimits) store.SetEpochDeadline((ulong)Math.Max(1, Math.Ceiling(run.Timeout.TotalSeconds)));
        using var linker = new Linker(_engine);
        linker.DefineWasi();

        int exitCode = 0;
        string? trap = null;
        var guest = new System.Diagnostics.Stopwatch();
        try
        {
            var instance = linker.Instantiate(store, module);
            var start = instance.GetAction("_start")
                        ?? throw new WasipyException($"{run.WasmPath} has no _start export; it is not a WASI command module");
            guest.Start();
            start();
        }
        catch (WasmtimeException e) when (e.ExitCode is int code)
        {
            exitCode = code;
        }
        catch (TrapException e)
        {
            exitCode = 128;
            trap = e.Message.Contains("interrupt", StringComparison.OrdinalIgnoreCase)
                ? $"timed out after {run.Timeout.TotalSeconds:0}s"
                : e.Message;
        }
        guest.Stop();
        return new WasiResult(exitCode, stdio.ReadOut(), stdio.ReadErr(), trap) { GuestTime = guest.Elapsed };
    }

    /// <summary>A wasi-threads module: every guest thread with its own store and WASI context over one shared memory.
    /// Outputs that are captured go through one shared stream each (each WASI context would open the file anew).</summary>
    private WasiResult RunThreads(WasiRun run)
    {
        CheckPreopens(run);
        var engine = ThreadsEngine;
        using var module = LoadModule(run.WasmPath, engine, "-threads");
        using var stdio = new CapturedStdio(run);
        using var stdout = stdio.Out is null ? null : new SharedOutput(stdio.Out);
        using var stderr = stdio.Err is null ? null : new SharedOutput(stdio.Err);
        var result = WasiThreadsHost.Run(engine, module,
            () => Configure(run, stdio, w => w.WithStandardOutputCallback(stdout!.Write).WithStandardErrorCallback(stderr!.Write)), run.Timeout);
        stdout?.Dispose();   // flushed before it is read
        stderr?.Dispose();
        return new WasiResult(result.ExitCode, stdio.ReadOut(), stdio.ReadErr(), result.Trap) { GuestTime = result.Elapsed };
    }

    private static void CheckPreopens(WasiRun run)
    {
        foreach (var preopen in run.Preopens)
            if (!Directory.Exists(preopen.HostPath))
                throw new WasipyException($"cannot map {preopen.HostPath} to {preopen.GuestPath}: the folder does not exist");
    }

    /// <summary>The run's WASI context: its arguments, environment and mapped folders, and the host's stdio, or the
    /// captured output (<paramref name="capture"/>) and stdin file.</summary>
    private static WasiConfiguration Configure(WasiRun run, CapturedStdio stdio, Func<WasiConfiguration, WasiConfiguration> capture)
    {
        var wasi = new WasiConfiguration()
            .WithArgs(run.Args)
            .WithEnvironmentVariables(run.Environment.Select(kv => (kv.Key, kv.Value)));
        wasi = run.InheritStdio
            ? wasi.WithInheritedStandardInput().WithInheritedStandardOutput().WithInheritedStandardError()
            : capture(wasi);
        if (stdio.In is not null) wasi = wasi.WithStandardInput(stdio.In);
        foreach (var preopen in run.Preopens) wasi = wasi.WithPreopenedDirectory(preopen.HostPath, preopen.GuestPath, mutable: !preopen.ReadOnly);
        return wasi;
    }

    /// <summary>Temporary files for a run's captured stdout and stderr and its stdin text (none when it inherits the
    /// host's stdio), deleted with it.</summary>
    private sealed class CapturedStdio : IDisposable
    {
        public CapturedStdio(WasiRun run)
        {
            if (run.InheritStdio) return;
            Out = Path.GetTempFileName();
            Err = Path.GetTempFileName();
            if (run.Stdin is null) return;
            In = Path.GetTempFileName();
            File.WriteAllText(In, run.Stdin);
        }

        public string? Out { get; }
        public string? Err { get; }
        public string? In { get; }
        public string ReadOut() => Out is null ? "" : File.ReadAllText(Out);
        public string ReadErr() => Err is null ? "" : File.ReadAllText(Err);

        public void Dispose()
        {
            foreach (var file in new[] { Out, Err, In }) if (file is not null) File.Delete(file);
        }
    }

    /// <summary>The engine for wasi-threads modules: threads and shared memories on, and epoch interruption, by which
    /// the host stops the other threads when one ends the run (its own, so that never moves other runs' deadlines).</summary>
    private Engine ThreadsEngine
    {
        get
        {
            lock (_threadsLock)
            {
                if (_threadsEngine is null)
                {
                    using var config = SharedMemory.EnableThreads(new Config().WithEpochInterruption(true).WithMaximumStackSize(2 * 1024 * 1024));
                    _threadsEngine = new Engine(config);
                }
                return _threadsEngine;
            }
        }
    }

    private readonly Lock _threadsLock = new();
    private Engine? _threadsEngine;

    private Module LoadModule(string wasmPath) => LoadModule(wasmPath, _engine, _timeLimits ? "" : "-unlimited");

    private Module LoadModule(string wasmPath, Engine engine, string flavour)
    {
        if (_moduleCacheDir is null) return Module.FromFile(engine, wasmPath);
        // Code compiled with and without the time-limit checks (or for threads) differs: each has its own cache file.
        var compiled = Path.Combine(_moduleCacheDir, $"{ContentHash.OfFile(wasmPath)}.wasmtime-50{flavour}.cwasm");
        if (File.Exists(compiled))
        {
            try { return Module.DeserializeFile(engine, Path.GetFileName(wasmPath), compiled); }
            catch (WasmtimeException) { File.Delete(compiled); }
        }
        var module = Module.FromFile(engine, wasmPath);
        Directory.CreateDirectory(_moduleCacheDir);
        var temp = $"{compiled}.{Guid.NewGuid():N}.tmp";   // several tests may compile it at once
        File.WriteAllBytes(temp, module.Serialize());
        File.Move(temp, compiled, overwrite: true);
        return module;
    }

    public void Dispose()
    {
        _ticker?.Dispose();
        _engine.Dispose();
        _threadsEngine?.Dispose();
    }
}
