using System.Diagnostics;
using System.Runtime.InteropServices;
using Wasmtime;
using Module = Wasmtime.Module;

namespace Wasipy.Wasm;

/// <summary>
/// A wasi-threads host (https://github.com/WebAssembly/wasi-threads) on top of Wasmtime .NET 50, whose managed API
/// has neither shared memories nor thread-spawn. Shared memory goes through the C API (<see cref="SharedMemory"/>,
/// which holds all the native interop).
///
/// Model (as in the proposal and in `wasmtime run -S threads`): one shared memory per run; every guest thread is an
/// OS thread (16 MiB native stack) with its own Store, its own WASI context and its own instance of the same Module
/// importing that memory; calls on open files go to one shared table (<see cref="WasiDescriptorServer"/>). `wasi.thread-spawn(arg)` returns a tid in 1..0x1FFFFFFF at once
/// and the new thread calls `wasi_thread_start(tid, arg)`. The run ends, for every thread, at the first of: main's
/// `_start` returning (exit 0), `proc_exit(n)` in any thread (exit n), a trap in any thread (exit 128 + message naming
/// the thread), the time limit, or cancellation.
///
/// Stopping the other threads: each store runs with an epoch deadline one tick ahead and a deadline callback that
/// extends it unless the run is stopping, when it throws; the host then bumps the engine epoch once (so every store
/// reaches its deadline at its next loop header or call) and wakes threads parked in `memory.atomic.wait` (which no
/// epoch reaches) with a tiny helper module that does `memory.atomic.notify` on every 4-byte address of the shared
/// memory. A thread stuck in a blocking host call (e.g. reading an inherited stdin) is abandoned after a grace period:
/// it is a background thread and is counted in <see cref="Result.Abandoned"/>.
///
/// Requirements on the engine: built from a Config that went through <see cref="EnableThreads"/> and has
/// <c>WithEpochInterruption(true)</c>. Bumping the epoch once per stopped run would shorten by one tick the deadline
/// of other runs sharing the engine, so WasiRunner gives threads modules an engine of their own.
/// </summary>
public static class WasiThreadsHost
{
    public const int GuestThreadStack = 16 * 1024 * 1024;
    private const int MaxTid = 0x1FFFFFFF;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>How a run ended: the exit code (128 with <see cref="Trap"/> set for traps, timeouts and
    /// cancellation), the number of threads spawned, and how many could not be stopped.</summary>
    public sealed record Result(int ExitCode, string? Trap, TimeSpan Elapsed, int ThreadsSpawned, int Abandoned);

    /// <summary>Runs a wasi-threads command module to its end (see the class comment). <paramref name="wasi"/> is
    /// called once per guest thread, on that thread, and must give the same args/env/preopens each time. Output files:
    /// each call opens its own stdout/stderr, and Wasmtime opens WASI output files truncating at offset 0, so threads
    /// with a file path overwrite each other: give file output through <see cref="SharedOutput"/> instead.</summary>
    public static Result Run(Engine engine, Module module, Func<WasiConfiguration> wasi, TimeSpan timeout,
        CancellationToken cancel = default, Action<string>? log = null)
    {
        using var run = new ThreadsRun(engine, module, wasi, log);
        return run.Execute(timeout, cancel);
    }

    private sealed class ThreadsRun : IDisposable
    {
        private readonly Engine _engine;
        private readonly Module _module;
        private readonly Func<WasiConfiguration> _wasi;
        private readonly SharedMemory _memory;         // owned; every linker holds a clone
        private readonly MemoryImport _memoryImport;
        private readonly ManualResetEventSlim _ended = new();
        private readonly List<Thread> _threads = [];
        private volatile bool _stopping;
        private readonly Lock _endLock = new();
        private int _nextTid;
        private (int Code, string? Trap)? _outcome;

        private readonly Action<string>? _log;

        public ThreadsRun(Engine engine, Module module, Func<WasiConfiguration> wasi, Action<string>? log)
        {
            _log = log;
            _engine = engine;
            _module = module;
            _wasi = wasi;
            _memoryImport = module.Imports.OfType<MemoryImport>().SingleOrDefault(i => i.ModuleName == "env" && i.Name == "memory")
                ?? throw new WasmtimeException("a wasi-threads module must import its shared memory as env.memory");
            if (_memoryImport.Maximum is null) throw new WasmtimeException("env.memory is shared and so needs a maximum");
            _memory = new SharedMemory(engine, _memoryImport);
            _descriptors = new WasiDescriptorServer(engine, module, _memoryImport, wasi, (linker, store) => _memory.DefineIn(linker, store));
        }

        private readonly WasiDescriptorServer _descriptors;

        /// <summary>Whether a poll_oneoff call waits on a descriptor (any subscription not a clock, tag 0): its
        /// subscriptions are 48 bytes each at the first argument, their count the third, the tag at byte 8.</summary>
        private bool PollWaitsOnDescriptor(ValueBox[] arguments)
        {
            var data = _memory.Data;
            var (subscriptions, count) = ((uint)arguments[0].AsInt32(), (uint)arguments[2].AsInt32());
            for (uint i = 0; i < count; i++)
                if (Marshal.ReadByte(data, checked((int)(subscriptions + i * 48 + 8))) != 0) return true;
            return false;
        }

        /// <summary>The guest's imports of WASI calls that may use a descriptor: each goes to the shared table
        /// (<see cref="WasiDescriptorServer"/>) or to this thread's own context, call by call.</summary>
        private void DefineDescriptorCalls(Linker linker, Store store, Instance local)
        {
            linker.AllowShadowing = true;
            foreach (var import in _descriptors.Imports)
            {
                var name = import.Name;
                var own = local.GetFunction(name) ?? throw new WasmtimeException($"the WASI proxy lacks {name}");
                var function = Function.FromCallback(store, (Caller caller, ReadOnlySpan<ValueBox> arguments, Span<ValueBox> results) =>
                {
                    var boxed = arguments.ToArray();
                    var result = WasiDescriptorServer.Shared(name, boxed, () => PollWaitsOnDescriptor(boxed))
                        ? _descriptors.Invoke(name, boxed)
                        : own.Invoke(boxed);
                    if (results.Length == 1) results[0] = (int)result!;
                }, import.Parameters, import.Results);
                linker.Define(WasiDescriptorServer.Wasi, name, function);
            }
        }

        public Result Execute(TimeSpan timeout, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            Start(0, 0);
            try
            {
                if (!_ended.Wait(timeout, cancel)) End(128, $"timed out after {timeout.TotalSeconds:0.#}s; {Running()}");
            }
            catch (OperationCanceledException) { End(128, "cancelled"); }
            var abandoned = StopAll();
            (int Code, string? Trap) outcome;
            lock (_endLock) outcome = _outcome!.Value;
            return new Result(outcome.Code, outcome.Trap, clock.Elapsed, Math.Min(_nextTid, MaxTid), abandoned);
        }

        /// <summary>The guest threads still running (a deadlock's threads): "guest threads still running: main, 1, 2".</summary>
        private string Running()
        {
            lock (_threads)
                return "guest threads still running: " + string.Join(", ", _threads.Where(t => t.IsAlive)
                    .Select(t => t.Name == "wasm-main" ? "main" : t.Name!["wasm-thread-".Length..]));
        }

        /// <summary>Records the run's outcome (the first one wins) and wakes <see cref="Execute"/>. Threads abandoned
        /// by an earlier run may still call this late: it must never throw (so _ended is never disposed).</summary>
        private void End(int code, string? trap)
        {
            lock (_endLock)
            {
                if (_outcome is null) _outcome = (code, trap);
            }
            _stopping = true;
            _ended.Set();
        }

        /// <summary>wasi.thread-spawn: a new tid, or -1 (EAGAIN in wasi-libc) when out of tids or stopping.</summary>
        private int Spawn(int startArg)
        {
            if (_stopping) return -1;
            var tid = Interlocked.Increment(ref _nextTid);
            if (tid > MaxTid) return -1;
            try { Start(tid, startArg); }
            catch (OutOfMemoryException) { return -1; }
            return tid;
        }

        private void Start(int tid, int startArg)
        {
            var thread = new Thread(() => Guest(tid, startArg), GuestThreadStack)
                { Name = tid == 0 ? "wasm-main" : $"wasm-thread-{tid}", IsBackground = true };
            lock (_threads) _threads.Add(thread);
            thread.Start();
        }

        /// <summary>One guest thread: tid 0 is main (runs _start), the others run wasi_thread_start(tid, arg).</summary>
        private void Guest(int tid, int startArg)
        {
            var who = tid == 0 ? "main thread" : $"thread {tid}";
            try
            {
                using var store = new Store(_engine);
                store.SetWasiConfiguration(_wasi());
                store.SetEpochDeadline(1);
                store.SetEpochDeadlineCallback(_ => _stopping ? throw new StoppedException() : 1UL);
                // This thread's own WASI context, reached through the proxy module for the calls that stay here.
                using var own = new Linker(_engine);
                own.DefineWasi();
                _memory.DefineIn(own, store);
                var local = own.Instantiate(store, _descriptors.Proxy);
                using var linker = new Linker(_engine);
                linker.DefineWasi();
                _memory.DefineIn(linker, store);
                DefineDescriptorCalls(linker, store, local);
                linker.DefineFunction("wasi", "thread-spawn", (Func<int, int>)Spawn);
                // The deadline above is set before this check, and StopAll sets _stopping before it bumps the epoch:
                // so a thread that gets past here while the run stops still sees the bump reach its deadline.
                Thread.MemoryBarrier();
                if (_stopping) return;
                var instance = linker.Instantiate(store, _module);
                if (tid == 0)
                {
                    var start = instance.GetAction("_start") ?? throw new WasmtimeException("the module has no _start export");
                    start();
                    End(0, null);                    // returning from _start ends the process, other threads too
                }
                else
                {
                    var start = instance.GetAction<int, int>("wasi_thread_start")
                                ?? throw new WasmtimeException("the module has no wasi_thread_start export");
                    start(tid, startArg);             // a thread that returns just ends
                }
            }
            catch (WasmtimeException e) when (e.ExitCode is int code) { End(code, null); }
            catch (WasmtimeException) when (_stopping) { }  // stopped by the deadline callback, or woken while stopping
            catch (TrapException e) { End(128, $"{who}: {e.Message}"); }
            catch (Exception e) { End(128, $"{who}: {e.GetType().Name}: {e.Message}"); }
        }

        /// <summary>Stops every guest thread still running; returns how many did not stop within the grace period.</summary>
        private int StopAll()
        {
            _stopping = true;
            Thread.MemoryBarrier();
            _engine.IncrementEpoch();            // every store's deadline is at most one tick ahead: all reach it now
            var clock = Stopwatch.StartNew();
            Notifier? notifier = null;
            var pause = 20;                      // ms; threads running wasm code reach an epoch check well within that
            try
            {
                while (true)
                {
                    Thread[] alive;
                    lock (_threads) alive = _threads.Where(t => t.IsAlive).ToArray();
                    if (alive.Length == 0) { _log?.Invoke($"all threads stopped in {clock.ElapsedMilliseconds} ms"); return 0; }
                    if (clock.Elapsed > Grace) { _log?.Invoke($"abandoning {alive.Length} thread(s) blocked outside wasm"); return alive.Length; }
                    if (alive[0].Join(pause)) continue;
                    pause = Math.Min(pause * 4, 500);
                    // Still alive: parked in memory.atomic.wait (or in a host call). Wake every waiter; woken threads
                    // loop back to an epoch check and stop. The sweep costs ~34 ns a word, so it backs off.
                    notifier ??= new Notifier(_engine, _memoryImport, _memory);
                    var bytes = _memory.Size;
                    var sweep = Stopwatch.StartNew();
                    notifier.NotifyAll(bytes);
                    _log?.Invoke($"{alive.Length} thread(s) alive after {clock.ElapsedMilliseconds} ms: notify sweep over {bytes >> 20} MiB took {sweep.ElapsedMilliseconds} ms");
                }
            }
            finally { notifier?.Dispose(); }
        }

        /// <summary>Frees the run's handle on the shared memory; threads still running keep their own clones.
        /// <see cref="_ended"/> stays undisposed on purpose (see <see cref="End"/>).</summary>
        public void Dispose()
        {
            _descriptors.Dispose();
            _memory.Dispose();
        }
    }

    private sealed class StoppedException() : Exception("stopped: another thread ended the run");
}
