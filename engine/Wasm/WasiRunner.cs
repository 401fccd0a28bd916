using Wasipy.Errors;
using Wasmtime;

namespace Wasipy.Wasm;

/// <summary>
/// Runs WASI command modules in-process with Wasmtime. Compiled modules are cached on disk (<see cref="CompiledModules"/>),
/// so a 30 MB python.wasm compiles once; a command module runs through <see cref="WasiCommandHost"/>. A wasi-threads
/// module (wasm32-wasi-threads: it imports wasi.thread-spawn) runs through <see cref="WasiThreadsHost"/> on an engine
/// of its own, with one store, WASI context and OS thread per guest thread.
/// </summary>
public sealed class WasiRunner : IWasiHost
{
    private readonly WasiCommandHost _host;
    private readonly string? _moduleCacheDir;

    /// <param name="timeLimits">Whether runs stop at their time limit. The check (epoch interruption) costs about
    /// 15% of pure-Python speed, so `exec`, which runs the user's program for as long as it takes, goes without.</param>
    public WasiRunner(string? moduleCacheDir = null, bool timeLimits = true)
    {
        _moduleCacheDir = moduleCacheDir;
        _host = new WasiCommandHost(timeLimits);
        // The epoch is engine-wide: it ticks once a second for every run, and each run's store has its own
        // deadline in ticks, so that runs in parallel time out on their own.
        _ticker = timeLimits ? new Timer(_ => _host.Engine.IncrementEpoch(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) : null;
    }

    private readonly Timer? _ticker;

    public WasiResult Run(WasiRun run)
    {
        if (!File.Exists(run.WasmPath))
            throw new WasipyException($"{run.WasmPath} does not exist; build it first with `wasipy run <recipe>`");
        return WasmImports.IsThreadsModule(run.WasmPath) ? RunThreads(run) : _host.Run(run, _moduleCacheDir);
    }

    /// <summary>A wasi-threads module: every guest thread with its own store and WASI context over one shared memory.
    /// Outputs that are captured go through one shared stream each (each WASI context would open the file anew).</summary>
    private WasiResult RunThreads(WasiRun run)
    {
        WasiCommandHost.CheckPreopens(run);
        var engine = ThreadsEngine;
        using var module = CompiledModules.Load(engine, run.WasmPath, _moduleCacheDir, "-threads");
        using var stdio = new WasiCommandHost.CapturedStdio(run);
        using var stdout = stdio.Out is null ? null : new SharedOutput(stdio.Out);
        using var stderr = stdio.Err is null ? null : new SharedOutput(stdio.Err);
        var result = WasiThreadsHost.Run(engine, module,
            () => WasiCommandHost.Configure(run, stdio, w => w.WithStandardOutputCallback(stdout!.Write).WithStandardErrorCallback(stderr!.Write)), run.Timeout);
        stdout?.Dispose();   // flushed before it is read
        stderr?.Dispose();
        return new WasiResult(result.ExitCode, stdio.ReadOut(), stdio.ReadErr(), result.Trap) { GuestTime = result.Elapsed };
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

    public void Dispose()
    {
        _ticker?.Dispose();
        _host.Dispose();
        _threadsEngine?.Dispose();
    }
}
