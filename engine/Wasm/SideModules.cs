using System.Text;
using Wasmtime;
using Module = Wasmtime.Module;

namespace Wasipy.Wasm;

/// <summary>
/// The loader of side modules (<c>dylink.0</c>, built with <c>wasm-ld -shared --experimental-pic</c>) into a
/// python.wasm linked as a main module (`link: dynamic`), for Wasmtime. python.wasm's dlopen/dlsym
/// (compat/wasipy_dl.c) read the file themselves, through the guest's own file system, and call the imports
/// <c>dl.open</c> and <c>dl.sym</c> defined here; hosts/node/dylink.mjs is the same for Node.
///
/// Loading a side module: its dylink.0 section is read (<see cref="Dylink.Parse"/>), its data gets memory in
/// python.wasm's heap (aligned_alloc, zeroed) and its functions slots at the end of the shared table; it is
/// instantiated with python.wasm's memory, table and stack pointer, its bases, and its imports resolved against
/// python.wasm's exports (functions by name; GOT.mem/GOT.func entries as addresses and table slots, a function that
/// is already in the table keeping its slot, so that function pointers compare equal); then its data relocations
/// and constructors run. Any failure is a message for dlerror (CPython makes it an ImportError naming the file),
/// never a trap of the interpreter.
/// </summary>
public sealed class SideModules(Engine engine, string mainWasmPath, string? moduleCacheDir = null, string flavour = "")
{
    public const string ImportModule = "dl";
    private const string TableName = "__indirect_function_table", StackPointer = "__stack_pointer";

    private sealed record Loaded(string Path, Instance Instance, int MemoryBase, Dictionary<string, int> Slots);

    private readonly List<Loaded> _loaded = [];
    private readonly Dictionary<string, int> _handles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _mainSlots = new(StringComparer.Ordinal);
    private Dylink.MainTable? _mainTable;
    private Instance? _main;

    /// <summary>Whether the module is a main module that imports this loader (python.wasm built with `link: dynamic`).</summary>
    public static bool IsImportedBy(Module module) => module.Imports.Any(i => i.ModuleName == ImportModule);

    /// <summary>Defines dl.open and dl.sym for python.wasm's instantiation in <paramref name="store"/>.</summary>
    public void Define(Linker linker, Store store)
    {
        _store = store;
        // Untyped callbacks: the typed overloads build their converters by reflection, which the NativeAOT exec
        // launcher (it compiles this file) cannot do.
        linker.DefineFunction(ImportModule, "open", (caller, a, results) =>
        {
            int path = a[0].AsInt32(), pathLength = a[1].AsInt32(), bytes = a[2].AsInt32(), size = a[3].AsInt32();
            results[0] = Guarded(a[4].AsInt32(), a[5].AsInt32(), () => ReadString(path, pathLength), what => Open(what, bytes, size));
        }, Ints(6), Ints(1));
        linker.DefineFunction(ImportModule, "sym", (caller, a, results) =>
        {
            int handle = a[0].AsInt32(), name = a[1].AsInt32(), nameLength = a[2].AsInt32();
            results[0] = Guarded(a[3].AsInt32(), a[4].AsInt32(), () => ReadString(name, nameLength), symbol => Symbol(handle, symbol));
        }, Ints(5), Ints(1));
    }

    private static ValueKind[] Ints(int count) => Enumerable.Repeat(ValueKind.Int32, count).ToArray();

    private Store? _store;

    /// <summary>python.wasm's instance, once it is made (the imports are called only from its code).</summary>
    public void Attach(Instance main) => _main = main;

    private Instance Main => _main ?? throw new DylinkException("the loader was called before python.wasm was instantiated");

    /// <summary>Runs one loader call; a failure becomes 0 and its message in the guest's error buffer. The stack
    /// pointer is put back, as a trap in a side module's constructor leaves it where the trap left it.</summary>
    private int Guarded(int error, int errorSize, Func<string> name, Func<string, int> call)
    {
        var stack = Main.GetGlobal(StackPointer);
        var saved = stack?.GetValue();
        var what = "?";
        try
        {
            what = name();
            return call(what);
        }
        catch (Exception e) when (e is DylinkException or WasmtimeException or TrapException or ArgumentException or InvalidOperationException)
        {
            if (e is WasmtimeException { ExitCode: not null }) throw;   // exit() in a constructor ends the program
            if (saved is not null) stack!.SetValue(saved);
            WriteError(error, errorSize, $"{what}: {(e is TrapException ? "it trapped while loading: " + TrapLine(e.Message) : FirstLine(e.Message))}");
            return 0;
        }
    }

    private int Open(string path, int bytesAddress, int size)
    {
        if (_handles.TryGetValue(path, out var known)) return known;
        var memory = Memory;
        if (bytesAddress < 0 || size < 0 || (long)bytesAddress + size > memory.GetLength()) throw new DylinkException("its bytes are outside python.wasm's memory");
        var bytes = memory.GetSpan(bytesAddress, size).ToArray();
        var info = Dylink.Parse(bytes);
        if (info.Needed.Count > 0)
            throw new DylinkException($"it needs {string.Join(", ", info.Needed)}: side modules that need other side modules are not loaded yet");
        using var module = CompiledModules.LoadBytes(engine, path, bytes, moduleCacheDir, flavour);   // compiled once per content
        var main = Main;
        var table = main.GetTable(TableName) ?? throw new DylinkException($"python.wasm exports no {TableName}: it is not a main module (link: dynamic)");

        var memoryBase = 0;
        if (info.MemorySize > 0)
        {
            var align = 1 << (int)info.MemoryAlign;
            var length = (int)((info.MemorySize + align - 1) & ~(uint)(align - 1));
            var alloc = main.GetFunction("aligned_alloc") ?? throw new DylinkException("python.wasm exports no aligned_alloc");
            memoryBase = alloc.Invoke(Math.Max(align, 8), length) is int at ? at : 0;   // untyped: see Define
            if (memoryBase == 0) throw new DylinkException($"no memory for its {info.MemorySize} bytes of data");
            memory.GetSpan(memoryBase, length).Clear();
        }
        var tableAlign = 1ul << (int)info.TableAlign;
        var tableBase = (table.GetSize() + tableAlign - 1) & ~(tableAlign - 1);
        if (tableBase + info.TableSize > table.GetSize()) table.Grow((uint)(tableBase + info.TableSize - table.GetSize()), null);

        var store = _store!;
        var imports = new List<object>();
        var got = new List<(string Kind, string Name, Global Entry)>();
        Instance? self = null;
        var siblings = Siblings(path);
        foreach (var import in module.Imports)
        {
            object value = (import.ModuleName, import) switch
            {
                ("env", MemoryImport) when import.Name == "memory" => main.GetMemory("memory")!,
                ("env", TableImport) when import.Name == TableName => table,
                ("env", GlobalImport) when import.Name == StackPointer => main.GetGlobal(StackPointer) ?? throw new DylinkException($"python.wasm exports no {StackPointer}"),
                ("env", GlobalImport) when import.Name == "__memory_base" => new Global(store, ValueKind.Int32, memoryBase, Mutability.Immutable),
                ("env", GlobalImport) when import.Name == "__table_base" => new Global(store, ValueKind.Int32, (int)tableBase, Mutability.Immutable),
                ("env", FunctionImport function) => main.GetFunction(import.Name)
                                                     ?? siblings.Select(l => l.Instance.GetFunction(import.Name)).FirstOrDefault(f => f is not null)
                                                     ?? OwnLater(function),
                ("GOT.mem" or "GOT.func", GlobalImport) => Entry(import.ModuleName, import.Name),
                _ => throw new DylinkException($"it imports {import.ModuleName}.{import.Name}, which this loader does not provide"),
            };
            imports.Add(value);
        }
        // A function the module imports and also defines (a weak definition, such as C++'s operator new, which a main
        // module could replace): python.wasm has none, so it is the module's own, reached through the host once the
        // module is instantiated.
        Function OwnLater(FunctionImport function)
        {
            if (!module.Exports.Any(e => e is FunctionExport && e.Name == function.Name)) throw Unresolved("function", function.Name);
            Function? target = null;
            return Function.FromCallback(store, (caller, arguments, results) =>
            {
                target ??= self?.GetFunction(function.Name) ?? throw new InvalidOperationException($"{function.Name} was called before its module was instantiated");
                switch (target.Invoke(arguments))
                {
                    case object[] many: for (var i = 0; i < many.Length; i++) results[i] = Box(many[i]); break;
                    case { } one: results[0] = Box(one); break;
                }
            }, function.Parameters, function.Results);
        }
        Global Entry(string kind, string name)
        {
            var entry = new Global(store, ValueKind.Int32, 0, Mutability.Mutable);
            got.Add((kind, name, entry));
            return entry;
        }

        var instance = self = new Instance(store, module, [.. imports]);
        var loaded = new Loaded(path, instance, memoryBase, new Dictionary<string, int>(StringComparer.Ordinal));
        // GOT entries: python.wasm's symbol first (as a dynamic linker finds the main program's first), then that of a
        // module of the same package loaded before, else the module's own.
        foreach (var (kind, name, entry) in got)
            entry.SetValue(kind == "GOT.mem"
                ? MainData(name) ?? siblings.Select(l => OwnData(l, name)).FirstOrDefault(a => a is not null) ?? OwnData(loaded, name) ?? throw Unresolved("data symbol", name)
                : MainFunctionSlot(name) ?? siblings.Select(l => OwnFunctionSlot(l, name)).FirstOrDefault(a => a is not null) ?? OwnFunctionSlot(loaded, name)
                  ?? throw Unresolved("function", name));
        instance.GetAction("__wasm_apply_data_relocs")?.Invoke();
        instance.GetAction("__wasm_call_ctors")?.Invoke();
        _loaded.Add(loaded);
        return _handles[path] = _loaded.Count;
    }

    private int Symbol(int handle, string name)
    {
        if (handle < 1 || handle > _loaded.Count) throw new DylinkException($"dlsym: {handle} is not a handle dlopen returned");
        var loaded = _loaded[handle - 1];
        return OwnFunctionSlot(loaded, name) ?? OwnData(loaded, name) ?? throw new DylinkException($"{loaded.Path} has no symbol {name}");
    }

    /// <summary>The package a side module belongs to: its path up to the first folder under site-packages ("" when it is
    /// in none). The modules of one package share what they define interposably (weak, default visibility), as if they
    /// were one library: NumPy's extension modules each link npymath, whose floating-point status word must be one.</summary>
    public static string PackageOf(string path)
    {
        const string site = "/site-packages/";
        var at = path.IndexOf(site, StringComparison.Ordinal);
        if (at < 0) return "";
        var slash = path.IndexOf('/', at + site.Length);
        return slash < 0 ? "" : path[..slash];
    }

    private List<Loaded> Siblings(string path) =>
        PackageOf(path) is { Length: > 0 } package ? _loaded.Where(l => PackageOf(l.Path) == package).ToList() : [];

    private static ValueBox Box(object value) => value switch
    {
        int i => i, long l => l, float f => f, double d => d,
        _ => throw new InvalidOperationException($"a result of type {value.GetType().Name} cannot be passed on"),
    };

    private static DylinkException Unresolved(string what, string name) =>
        new($"{what} {name} is neither in python.wasm nor in the module (built for another CPython, or against a library python.wasm does not have?)");

    private int? MainData(string name) => Main.GetGlobal(name)?.GetValue() is int address && name != StackPointer ? address : null;

    private static int? OwnData(Loaded loaded, string name) =>
        loaded.Instance.GetGlobal(name)?.GetValue() is int offset ? loaded.MemoryBase + offset : null;

    /// <summary>python.wasm's function in the table: the slot its element segment gave it, or one added once.</summary>
    private int? MainFunctionSlot(string name)
    {
        if (_mainSlots.TryGetValue(name, out var slot)) return slot;
        if (Main.GetFunction(name) is not { } function) return null;
        _mainTable ??= Dylink.ReadMainTable(File.ReadAllBytes(mainWasmPath));
        if (_mainTable.FunctionOfExport.TryGetValue(name, out var index) && _mainTable.SlotOfFunction.TryGetValue(index, out var existing))
            return _mainSlots[name] = (int)existing;
        return _mainSlots[name] = Append(function);
    }

    private int? OwnFunctionSlot(Loaded loaded, string name)
    {
        if (loaded.Slots.TryGetValue(name, out var slot)) return slot;
        return loaded.Instance.GetFunction(name) is { } function ? loaded.Slots[name] = Append(function) : null;
    }

    private int Append(Function function)
    {
        var table = Main.GetTable(TableName)!;
        var slot = table.GetSize();
        table.Grow(1, function);
        return (int)slot;
    }

    private Memory Memory => Main.GetMemory("memory") ?? throw new DylinkException("python.wasm exports no memory");

    private string ReadString(int address, int length)
    {
        var memory = Memory;
        if (address < 0 || length < 0 || length > 4096 || (long)address + length > memory.GetLength()) throw new DylinkException("a name outside python.wasm's memory");
        return Encoding.UTF8.GetString(memory.GetSpan(address, length));
    }

    private void WriteError(int address, int size, string message)
    {
        var memory = _main?.GetMemory("memory");
        if (memory is null || address <= 0 || size <= 0 || (long)address + size > memory.GetLength()) return;
        var bytes = Encoding.UTF8.GetBytes(message);
        var length = Math.Min(bytes.Length, size - 1);
        var target = memory.GetSpan(address, size);
        bytes.AsSpan(0, length).CopyTo(target);
        target[length] = 0;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>The line of Wasmtime's trap message that says what trapped ("wasm trap: wasm `unreachable` ...").</summary>
    private static string TrapLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Contains("wasm trap", StringComparison.Ordinal))?.Replace("Caused by:", "").Trim()
        ?? FirstLine(text);
}
