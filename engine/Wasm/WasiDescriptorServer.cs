using System.Collections.Concurrent;
using System.Text;
using Wasmtime;
using Module = Wasmtime.Module;

namespace Wasipy.Wasm;

/// <summary>
/// One file-descriptor table for every thread of a wasi-threads run. Wasmtime gives each store (so each guest
/// thread) its own WASI context, so a file one thread opened was "Bad file descriptor" in another, or worse, the
/// number of another thread's file. Here one store on a thread of its own owns the files: every guest thread's
/// WASI calls on a descriptor above 2 (files, the mapped folders, path_*) are carried out there, in order, on the
/// shared memory; calls that need no table (stdio, clocks, random, args, exit, sleeping) stay in the calling
/// thread's own context, so a thread blocked reading stdin or sleeping holds up nobody.
///
/// How: a small generated module imports those of the guest's WASI functions that may use a descriptor, and the
/// shared memory, and exports a trampoline for each. The server instantiates it over its WASI context; each guest thread instantiates it
/// over its own context (for the local calls), and the guest's imports are callbacks that choose.
/// </summary>
internal sealed class WasiDescriptorServer : IDisposable
{
    public const string Wasi = "wasi_snapshot_preview1";
    private readonly BlockingCollection<Call> _calls = new();
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _ready = new();
    private Exception? _startFailure;

    private sealed record Call(string Name, ValueBox[] Arguments)
    {
        public readonly ManualResetEventSlim Done = new();
        public object? Result;
        public Exception? Failure;
    }

    /// <summary>The guest's WASI imports that may use a descriptor (<see cref="MayUseTable"/>): each goes to the shared
    /// table or to the calling thread's own context, call by call (<see cref="Shared"/>).</summary>
    public IReadOnlyList<FunctionImport> Imports { get; }

    /// <summary>The trampoline module, compiled once per run.</summary>
    public Module Proxy { get; }

    public WasiDescriptorServer(Engine engine, Module guest, MemoryImport memory, Func<WasiConfiguration> wasi,
        Action<Linker, Store> defineMemory)
    {
        Imports = guest.Imports.OfType<FunctionImport>().Where(i => i.ModuleName == Wasi && MayUseTable(i.Name)).ToList();
        Proxy = Module.FromText(engine, "wasipy-wasi-proxy", ProxyText(Imports, memory));
        _thread = new Thread(() => Serve(engine, wasi, defineMemory), 1024 * 1024) { Name = "wasi-descriptors", IsBackground = true };
        _thread.Start();
        _ready.Wait();
        if (_startFailure is not null) throw _startFailure;
    }

    /// <summary>The WASI calls that may name a descriptor; the others (args, environment, clocks, random, exit, yield)
    /// never leave the calling thread.</summary>
    public static bool MayUseTable(string name) =>
        name.StartsWith("fd_", StringComparison.Ordinal) || name.StartsWith("path_", StringComparison.Ordinal)
        || name.StartsWith("sock_", StringComparison.Ordinal) || name == "poll_oneoff";

    /// <summary>Whether a call uses the shared table: path_* and sock_* always, fd_* on a descriptor above 2, and
    /// poll_oneoff when it waits on a descriptor (<paramref name="waitsOnDescriptor"/>).</summary>
    public static bool Shared(string name, ValueBox[] arguments, Func<bool> waitsOnDescriptor) => name switch
    {
        _ when name.StartsWith("path_", StringComparison.Ordinal) || name.StartsWith("sock_", StringComparison.Ordinal) => true,
        "fd_renumber" => arguments[0].AsInt32() > 2 || arguments[1].AsInt32() > 2,
        _ when name.StartsWith("fd_", StringComparison.Ordinal) => arguments[0].AsInt32() > 2,
        "poll_oneoff" => waitsOnDescriptor(),
        _ => false,
    };

    /// <summary>Carries out one call in the shared table and waits for its result.</summary>
    public object? Invoke(string name, ValueBox[] arguments)
    {
        var call = new Call(name, arguments);
        try { _calls.Add(call); }
        catch (InvalidOperationException) { throw new WasmtimeException("the run is ending"); }
        call.Done.Wait();
        return call.Failure is null ? call.Result : throw call.Failure;
    }

    private void Serve(Engine engine, Func<WasiConfiguration> wasi, Action<Linker, Store> defineMemory)
    {
        Store? store = null;
        Instance instance;
        try
        {
            store = new Store(engine);
            store.SetEpochDeadline(1UL << 40);       // the run's epoch bump must not stop the server
            store.SetWasiConfiguration(wasi());
            using var linker = new Linker(engine);
            linker.DefineWasi();
            defineMemory(linker, store);
            instance = linker.Instantiate(store, Proxy);
        }
        catch (Exception e)
        {
            _startFailure = e;
            store?.Dispose();
            _ready.Set();
            return;
        }
        _ready.Set();
        var functions = new Dictionary<string, Function>();
        using (store)
        {
            foreach (var call in _calls.GetConsumingEnumerable())
            {
                try
                {
                    if (!functions.TryGetValue(call.Name, out var function))
                        functions[call.Name] = function = instance.GetFunction(call.Name)!;
                    call.Result = function.Invoke(call.Arguments);
                }
                catch (Exception e) { call.Failure = e; }
                call.Done.Set();
            }
        }
    }

    /// <summary>(module (import env memory shared) (import each WASI function) (export memory) (export a trampoline each)).</summary>
    private static string ProxyText(IReadOnlyList<FunctionImport> imports, MemoryImport memory)
    {
        static string Kind(ValueKind k) => k switch
        {
            ValueKind.Int32 => "i32", ValueKind.Int64 => "i64", ValueKind.Float32 => "f32", ValueKind.Float64 => "f64",
            _ => throw new WasmtimeException($"a WASI import with a {k} parameter"),
        };
        static string Signature(FunctionImport f) =>
            (f.Parameters.Count > 0 ? $"(param {string.Join(' ', f.Parameters.Select(Kind))}) " : "") +
            (f.Results.Count > 0 ? $"(result {string.Join(' ', f.Results.Select(Kind))})" : "");
        var text = new StringBuilder("(module\n");
        text.Append($"  (import \"env\" \"memory\" (memory {memory.Minimum} {memory.Maximum} shared))\n");
        for (var i = 0; i < imports.Count; i++)
            text.Append($"  (import \"{Wasi}\" \"{imports[i].Name}\" (func $f{i} {Signature(imports[i])}))\n");
        text.Append("  (export \"memory\" (memory 0))\n");
        for (var i = 0; i < imports.Count; i++)
            text.Append($"  (func (export \"{imports[i].Name}\") {Signature(imports[i])} " +
                        string.Concat(Enumerable.Range(0, imports[i].Parameters.Count).Select(p => $"(local.get {p}) ")) + $"(call $f{i}))\n");
        return text.Append(')').ToString();
    }

    public void Dispose()
    {
        _calls.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
        Proxy.Dispose();
    }
}
