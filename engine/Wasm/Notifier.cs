using Wasmtime;
using Module = Wasmtime.Module;

namespace Wasipy.Wasm;

/// <summary>Wakes every waiter on the shared memory: an instance of a small module importing the same memory
/// runs <c>memory.atomic.notify</c> on each 4-byte-aligned address (15-35 ns a word: 0.25-0.55 s for 60 MiB,
/// 1 ms for the 256 KiB of a small test, measured here).</summary>
internal sealed class Notifier : IDisposable
{
    private readonly Store _store;
    private readonly Module _module;
    private readonly Action<int> _notifyAll;

    public Notifier(Engine engine, MemoryImport memory, SharedMemory sharedMemory)
    {
        _module = Module.FromText(engine, "wasi-threads-notifier", $$"""
            (module
              (import "env" "memory" (memory {{memory.Minimum}} {{memory.Maximum}} shared))
              (func (export "notify_all") (param $words i32) (local $addr i32)
                (loop $next
                  (if (local.get $words) (then
                    (drop (memory.atomic.notify (local.get $addr) (i32.const -1)))
                    (local.set $addr (i32.add (local.get $addr) (i32.const 4)))
                    (local.set $words (i32.sub (local.get $words) (i32.const 1)))
                    (br $next))))))
            """);
        _store = new Store(engine);
        _store.SetEpochDeadline(1UL << 40);   // the run's epoch bump must not stop the notifier
        using var linker = new Linker(engine);
        sharedMemory.DefineIn(linker, _store);
        _notifyAll = linker.Instantiate(_store, _module).GetAction<int>("notify_all")!;
    }

    public void NotifyAll(nuint bytes) => _notifyAll((int)Math.Min((ulong)bytes / 4, int.MaxValue));

    public void Dispose() { _store.Dispose(); _module.Dispose(); }
}
