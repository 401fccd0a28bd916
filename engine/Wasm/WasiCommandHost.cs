using System.Diagnostics;
using Wasipy.Errors;
using Wasmtime;
using Module = Wasmtime.Module;

namespace Wasipy.Wasm;

/// <summary>
/// Runs a WASI command module (not a wasi-threads one) in-process on one Wasmtime engine (made on any thread, ahead
/// of the first run if the caller likes): compiled modules come from
/// <see cref="CompiledModules"/>, each run gets its own store and WASI context, on a thread with a 16 MiB native
/// stack. <see cref="WasiRunner"/> (the engine's host) and the `exec` launcher both run python through it, so both
/// give the guest the same arguments, environment, folders and stdio.
/// </summary>
public sealed class WasiCommandHost : IDisposable
{
    public const int GuestThreadStack = 16 * 1024 * 1024;
    private readonly bool _timeLimits;

    /// <param name="timeLimits">Whether runs stop at their time limit (epoch interruption: the caller ticks
    /// <see cref="Engine"/> once a second). The check costs about 15% of pure-Python speed.</param>
    public WasiCommandHost(bool timeLimits)
    {
        _timeLimits = timeLimits;
        using var config = new Config().WithEpochInterruption(timeLimits).WithMaximumStackSize(2 * 1024 * 1024);
        Engine = new Engine(config);
    }

    public Engine Engine { get; }

    /// <summary>The cache file flavour of this host's compiled code.</summary>
    public string Flavour => _timeLimits ? "" : "-unlimited";

    /// <summary>Runs <paramref name="run"/> on a guest thread (or, <paramref name="onCallingThread"/>, on the
    /// calling thread, whose stack the caller knows to be large enough: starting a thread is a millisecond of a
    /// 15 ms run), its module compiled or taken from <paramref name="moduleCacheDir"/>; a failure that is not the
    /// guest's own is a WasipyException.</summary>
    public WasiResult Run(WasiRun run, string? moduleCacheDir, bool onCallingThread = false)
    {
        if (onCallingThread)
        {
            try { return RunOnThisThread(run, moduleCacheDir); }
            catch (Exception e) when (e is not WasipyException) { throw Failed(e, run); }
        }
        WasiResult? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = RunOnThisThread(run, moduleCacheDir); }
            catch (Exception e) { failure = e; }
        }, GuestThreadStack) { Name = "wasm-guest" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw failure is WasipyException ? failure : Failed(failure, run);
        return result!;
    }

    private static WasipyException Failed(Exception e, WasiRun run) => new($"running {run.WasmPath} failed: {e.Message}", 1, e);

    private WasiResult RunOnThisThread(WasiRun run, string? moduleCacheDir)
    {
        CheckPreopens(run);
        var clock = Stopwatch.StartNew();
        using var module = CompiledModules.Load(Engine, run.WasmPath, moduleCacheDir, Flavour);
        var loaded = clock.Elapsed;
        using var stdio = new CapturedStdio(run);
        var wasi = Configure(run, stdio, w => w.WithStandardOutput(stdio.Out!).WithStandardError(stdio.Err!));

        using var store = new Store(Engine);
        store.SetWasiConfiguration(wasi);
        if (_timeLimits) store.SetEpochDeadline((ulong)Math.Max(1, Math.Ceiling(run.Timeout.TotalSeconds)));
        using var linker = new Linker(Engine);
        linker.DefineWasi();
        // A main module (`link: dynamic`) loads side modules through dl.open/dl.sym.
        var sideModules = SideModules.IsImportedBy(module) ? new SideModules(Engine, run.WasmPath, moduleCacheDir, Flavour) : null;
        sideModules?.Define(linker, store);

        int exitCode = 0;
        string? trap = null;
        var instantiated = TimeSpan.Zero;
        try
        {
            var instance = linker.Instantiate(store, module);
            sideModules?.Attach(instance);
            var start = instance.GetAction("_start")
                        ?? throw new WasipyException($"{run.WasmPath} has no _start export; it is not a WASI command module");
            instantiated = clock.Elapsed;
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
        var ended = clock.Elapsed;
        if (instantiated == TimeSpan.Zero) instantiated = ended;   // it trapped or exited while instantiating
        return new WasiResult(exitCode, stdio.ReadOut(), stdio.ReadErr(), trap)
        {
            ModuleLoadTime = loaded, InstantiateTime = instantiated - loaded, GuestTime = ended - instantiated,
        };
    }

    internal static void CheckPreopens(WasiRun run)
    {
        foreach (var preopen in run.Preopens)
            if (!Directory.Exists(preopen.HostPath))
                throw new WasipyException($"cannot map {preopen.HostPath} to {preopen.GuestPath}: the folder does not exist");
    }

    /// <summary>The run's WASI context: its arguments, environment and mapped folders, and the host's stdio, or the
    /// captured output (<paramref name="capture"/>) and stdin file.</summary>
    internal static WasiConfiguration Configure(WasiRun run, CapturedStdio stdio, Func<WasiConfiguration, WasiConfiguration> capture)
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
    internal sealed class CapturedStdio : IDisposable
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

    public void Dispose() => Engine.Dispose();
}
