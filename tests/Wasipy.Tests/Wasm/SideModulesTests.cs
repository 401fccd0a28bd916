using System.Text;
using Wasipy.Wasm;
using Wasmtime;
using static Wasipy.Tests.Wasm.SideModuleBytes;

namespace Wasipy.Tests.Wasm;

/// <summary>The Wasmtime side-module loader against a small main module written as text: it exports what python.wasm
/// linked with `link: dynamic` exports (memory, a growable table, the stack pointer, aligned_alloc, a function in the
/// table and a data symbol) and calls dl.open/dl.sym as compat/wasipy_dl.c does.</summary>
public class SideModulesTests
{
    private const int NameAt = 0, ErrorAt = 512, ErrorSize = 256, BytesAt = 4096, SymbolAt = 1024;

    internal const string MainWat = """
        (module
          (import "dl" "open" (func $open (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "dl" "sym" (func $sym (param i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 4)
          (table (export "__indirect_function_table") 2 funcref)
          (global (export "__stack_pointer") (mut i32) (i32.const 65536))
          (global (export "main_value") i32 (i32.const 2048))
          (global $heap (mut i32) (i32.const 131072))
          (elem (i32.const 1) $twice)
          (func $twice (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
          (func (export "aligned_alloc") (param $align i32) (param $size i32) (result i32) (local $at i32)
            (local.set $at (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                                    (i32.sub (i32.const 0) (local.get $align))))
            (global.set $heap (i32.add (local.get $at) (local.get $size)))
            (local.get $at))
          (func (export "load") (param $name i32) (param $bytes i32) (param $size i32) (result i32)
            (call $open (i32.const 0) (local.get $name) (local.get $bytes) (local.get $size) (i32.const 512) (i32.const 256)))
          (func (export "lookup") (param $handle i32) (param $name i32) (result i32)
            (call $sym (local.get $handle) (i32.const 1024) (local.get $name) (i32.const 512) (i32.const 256))))
        """;

    // Its data (4 bytes, 42) at its memory base; a function pointer to python.wasm's `twice` and the address of
    // `main_value` through its GOT; a call of `twice` by import; a constructor that adds main_value's address to its data.
    internal const string SideWat = """
        (module
          (import "env" "memory" (memory 0))
          (import "env" "__indirect_function_table" (table 0 funcref))
          (import "env" "__stack_pointer" (global $sp (mut i32)))
          (import "env" "__memory_base" (global $mb i32))
          (import "env" "__table_base" (global $tb i32))
          (import "env" "twice" (func $twice (param i32) (result i32)))
          (import "GOT.mem" "main_value" (global $main_value (mut i32)))
          (import "GOT.func" "twice" (global $twice_slot (mut i32)))
          (data (global.get $mb) "\2a\00\00\00")
          (global (export "side_data") i32 (i32.const 0))
          (func (export "twice_slot") (result i32) (global.get $twice_slot))
          (func (export "main_value_address") (result i32) (global.get $main_value))
          (func (export "calls_twice") (param i32) (result i32) (call $twice (local.get 0)))
          (func (export "__wasm_call_ctors")
            (i32.store (global.get $mb) (i32.add (i32.load (global.get $mb)) (i32.const 1)))))
        """;

    // A function it imports and also defines (weak, default visibility: C++'s operator new), and a data symbol it
    // defines and reaches through its GOT (a weak global that the modules of one package share: NumPy's status word).
    internal const string WeakWat = """
        (module
          (import "env" "memory" (memory 0))
          (import "env" "__memory_base" (global $mb i32))
          (import "env" "weak_twice" (func $weak (param i32) (result i32)))
          (import "GOT.mem" "status" (global $status (mut i32)))
          (data (global.get $mb) "\00\00\00\00")
          (global (export "status") i32 (i32.const 0))
          (func (export "weak_twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
          (func (export "calls_weak") (result i32) (call $weak (i32.const 21)))
          (func (export "status_address") (result i32) (global.get $status)))
        """;

    private sealed class Host : IDisposable
    {
        public Host(string mainPath)
        {
            Store = new Store(Engine);
            Linker = new Linker(Engine);
            Loader = new SideModules(Engine, mainPath);
            Loader.Define(Linker, Store);
            using var module = Module.FromFile(Engine, mainPath);
            Main = Linker.Instantiate(Store, module);
            Loader.Attach(Main);
        }

        public Engine Engine { get; } = new();
        public Store Store { get; }
        public Linker Linker { get; }
        public SideModules Loader { get; }
        public Instance Main { get; }
        public Memory Memory => Main.GetMemory("memory")!;

        /// <summary>dlopen of these bytes: the handle (0 on failure) and the error text.</summary>
        public (int Handle, string Error) Load(byte[] bytes, string name = "/site/t.so")
        {
            Memory.WriteString(NameAt, name, Encoding.UTF8);
            Memory.GetSpan(ErrorAt, ErrorSize).Clear();
            bytes.CopyTo(Memory.GetSpan(BytesAt, bytes.Length));
            var handle = Main.GetFunction<int, int, int, int>("load")!(Encoding.UTF8.GetByteCount(name), BytesAt, bytes.Length);
            return (handle, Memory.ReadNullTerminatedString(ErrorAt));
        }

        public (int Value, string Error) Lookup(int handle, string symbol)
        {
            Memory.WriteString(SymbolAt, symbol, Encoding.UTF8);
            Memory.GetSpan(ErrorAt, ErrorSize).Clear();
            var value = Main.GetFunction<int, int, int>("lookup")!(handle, Encoding.UTF8.GetByteCount(symbol));
            return (value, Memory.ReadNullTerminatedString(ErrorAt));
        }

        public int Call(int slot, params object[] args) =>
            (int)((Function)Main.GetTable("__indirect_function_table")!.GetElement((uint)slot)!).Invoke(args.Select(a => (ValueBox)(int)a).ToArray())!;

        public int StackPointer => (int)Main.GetGlobal("__stack_pointer")!.GetValue()!;

        public void Dispose()
        {
            Linker.Dispose();
            Store.Dispose();
            Engine.Dispose();
        }
    }

    private static string MainModule(Support.TempDir dir)
    {
        var path = dir.Combine("main.wasm");
        File.WriteAllBytes(path, Module.ConvertText(MainWat));
        return path;
    }

    private static byte[] GoodSide => Side(SideWat, DylinkPayload(4));

    [Fact]
    public void A_side_module_loads_with_its_data_relocated_constructors_run_and_symbols_found()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (handle, error) = host.Load(GoodSide);
        Assert.Equal("", error);
        Assert.Equal(1, handle);
        var (data, _) = host.Lookup(handle, "side_data");
        Assert.True(data >= 131072, $"its data is in python.wasm's heap (at {data})");
        Assert.Equal(43, host.Memory.ReadInt32(data));                       // 42, and its constructor's +1
        var (calls, _) = host.Lookup(handle, "calls_twice");
        Assert.Equal(42, host.Call(calls, 21));
        Assert.Equal(2048, host.Call(host.Lookup(handle, "main_value_address").Value));
    }

    [Fact]
    public void A_function_pointer_to_a_main_function_keeps_the_slot_it_has_in_the_main_table()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (handle, _) = host.Load(GoodSide);
        Assert.Equal(1, host.Call(host.Lookup(handle, "twice_slot").Value));
        Assert.Equal(host.Lookup(handle, "calls_twice").Value, host.Lookup(handle, "calls_twice").Value);
    }

    [Fact]
    public void A_function_the_module_imports_and_defines_itself_is_its_own()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (handle, error) = host.Load(Side(WeakWat, DylinkPayload(4)), "/lib/site-packages/pkg/a.so");
        Assert.Equal("", error);
        Assert.Equal(42, host.Call(host.Lookup(handle, "calls_weak").Value));
    }

    [Fact]
    public void The_modules_of_one_package_share_a_data_symbol_and_another_package_keeps_its_own()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var side = Side(WeakWat, DylinkPayload(4));
        int StatusOf(string path) => host.Call(host.Lookup(host.Load(side, path).Handle, "status_address").Value);
        var first = StatusOf("/lib/site-packages/pkg/a.so");
        Assert.Equal(first, StatusOf("/lib/site-packages/pkg/sub/b.so"));
        Assert.NotEqual(first, StatusOf("/lib/site-packages/other/c.so"));
        Assert.NotEqual(first, StatusOf("/elsewhere/d.so"));
        Assert.Equal("/lib/site-packages/pkg", SideModules.PackageOf("/lib/site-packages/pkg/sub/b.so"));
        Assert.Equal("", SideModules.PackageOf("/lib/site-packages/b.so"));
    }

    [Fact]
    public void The_same_path_opened_twice_gives_the_same_handle()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        Assert.Equal(host.Load(GoodSide).Handle, host.Load(GoodSide).Handle);
    }

    [Fact]
    public void An_import_of_an_unknown_function_is_an_error_naming_it_and_the_main_module_goes_on()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var side = Side("""(module (import "env" "PyNoSuchThing" (func (param i32))))""", DylinkPayload(0));
        var (handle, error) = host.Load(side, "/site/bad.so");
        Assert.Equal(0, handle);
        Assert.StartsWith("/site/bad.so: function PyNoSuchThing is neither in python.wasm nor in the module", error);
        Assert.Equal(1, host.Load(GoodSide).Handle);
    }

    [Fact]
    public void An_unknown_data_symbol_in_the_GOT_is_an_error_naming_it()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (handle, error) = host.Load(Side("""(module (import "GOT.mem" "no_such_data" (global (mut i32))))""", DylinkPayload(0)));
        Assert.Equal(0, handle);
        Assert.Contains("data symbol no_such_data", error);
    }

    [Fact]
    public void An_import_from_another_module_name_is_an_error()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (_, error) = host.Load(Side("""(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))""", DylinkPayload(0)));
        Assert.Contains("imports wasi_snapshot_preview1.fd_write, which this loader does not provide", error);
    }

    [Fact]
    public void A_truncated_file_is_an_error_not_a_trap()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (handle, error) = host.Load(GoodSide[..20]);
        Assert.Equal(0, handle);
        Assert.Contains("truncated", error);
    }

    [Fact]
    public void A_side_module_asking_for_more_memory_than_allowed_is_refused_before_anything_is_allocated()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var heap = host.Lookup(host.Load(GoodSide).Handle, "side_data").Value;
        var (handle, error) = host.Load(Side(SideWat, DylinkPayload(uint.MaxValue)), "/site/huge.so");
        Assert.Equal(0, handle);
        Assert.Contains("bytes of data, more than the 256 MiB", error);
        var (again, _) = host.Load(GoodSide, "/site/again.so");
        Assert.Equal(heap + 8, host.Lookup(again, "side_data").Value);   // the next module's data follows the first's
    }

    [Fact]
    public void A_trap_in_a_constructor_is_an_error_and_the_stack_pointer_is_restored()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var side = Side("""
            (module (import "env" "__stack_pointer" (global $sp (mut i32)))
              (func (export "__wasm_call_ctors") (global.set $sp (i32.const 12)) unreachable))
            """, DylinkPayload(0));
        var before = host.StackPointer;
        var (handle, error) = host.Load(side, "/site/trap.so");
        Assert.Equal(0, handle);
        Assert.StartsWith("/site/trap.so: ", error);
        Assert.Contains("unreachable", error);
        Assert.Equal(before, host.StackPointer);
    }

    [Fact]
    public void A_side_module_that_needs_another_is_refused_with_its_name()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (_, error) = host.Load(Side("(module)", DylinkPayload(0, 0, 0, 0, "libdep.so")));
        Assert.Contains("it needs libdep.so", error);
    }

    [Fact]
    public void Dlsym_of_a_missing_symbol_or_a_bad_handle_is_an_error()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        var (handle, _) = host.Load(GoodSide);
        var (value, error) = host.Lookup(handle, "PyInit_nothing");
        Assert.Equal(0, value);
        Assert.Equal("PyInit_nothing: /site/t.so has no symbol PyInit_nothing", error);
        Assert.Contains("not a handle dlopen returned", host.Lookup(99, "x").Error);
    }

    [Fact]
    public void Bytes_outside_the_main_memory_are_refused()
    {
        using var dir = new Support.TempDir();
        using var host = new Host(MainModule(dir));
        host.Memory.WriteString(NameAt, "/x.so", Encoding.UTF8);
        var handle = host.Main.GetFunction<int, int, int, int>("load")!(5, 4 * 65536 - 10, 1000);
        Assert.Equal(0, handle);
        Assert.Contains("outside python.wasm's memory", host.Memory.ReadNullTerminatedString(ErrorAt));
    }
}
