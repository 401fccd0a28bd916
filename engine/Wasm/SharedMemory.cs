using System.Reflection;
using System.Runtime.InteropServices;
using Wasmtime;

namespace Wasipy.Wasm;

/// <summary>
/// A shared linear memory for a wasi-threads run, made through Wasmtime's C API (P/Invoke on the libwasmtime the
/// package loads): Wasmtime .NET 50 has no shared memories in its managed API. All of wasipy's native interop with
/// Wasmtime is here, with the private-field access it needs isolated in <see cref="PrivateHandle"/>.
/// </summary>
public sealed class SharedMemory : IDisposable
{
    private readonly IntPtr _handle;   // wasmtime_sharedmemory_t*, owned; every linker holds a clone

    /// <summary>A new shared memory with the limits the module's env.memory import asks for.</summary>
    public SharedMemory(Engine engine, MemoryImport import)
    {
        if (import.Maximum is null) throw new WasmtimeException("env.memory is shared and so needs a maximum");
        var error = Native.wasmtime_memorytype_new((ulong)import.Minimum, true, (ulong)import.Maximum.Value, import.Is64Bit, shared: true, pageSizeLog2: 16, out var type);
        Native.Check(error);
        try
        {
            Native.Check(Native.wasmtime_sharedmemory_new(PrivateHandle(engine, "handle"), type, out _handle));
            GC.KeepAlive(engine);
        }
        finally { Native.wasm_memorytype_delete(type); }
    }

    /// <summary>The memory's first byte in this process.</summary>
    public IntPtr Data => Native.wasmtime_sharedmemory_data(_handle);

    /// <summary>Its size in bytes now (it grows).</summary>
    public nuint Size => Native.wasmtime_sharedmemory_data_size(_handle);

    /// <summary>Turns on the threads proposal and shared memories (the latter only through the C API).
    /// Call before <c>new Engine(config)</c>, which consumes the config.</summary>
    public static Config EnableThreads(Config config)
    {
        config.WithWasmThreads(true);
        Native.wasmtime_config_shared_memory_set(PrivateHandle(config, "handle"), true);
        GC.KeepAlive(config);
        return config;
    }

    /// <summary>Defines env.memory in the linker as the run's shared memory (the linker keeps its own clone).</summary>
    public void DefineIn(Linker linker, Store store)
    {
        var item = new Native.Extern { Kind = Native.ExternSharedMemory, SharedMemory = _handle };
        var context = (IntPtr)typeof(Store).GetField("contextHandle", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(store)!;
        var error = Native.wasmtime_linker_define(PrivateHandle(linker, "handle"), context, "env", 3, "memory", 6, ref item);
        GC.KeepAlive(linker);
        GC.KeepAlive(store);
        Native.Check(error);
    }

    /// <summary>The one place that reads Wasmtime .NET's private fields: the native handle behind a Config, Engine or
    /// Linker (a SafeHandle field named "handle"), which the C API calls above need and the managed API does not
    /// give. Checked against Wasmtime 50.0.1; a new package version must be checked again (the threads tests fail
    /// at once if a field is renamed).</summary>
    private static IntPtr PrivateHandle(object owner, string field) =>
        ((SafeHandle)owner.GetType().GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(owner)!)
        .DangerousGetHandle();

    public void Dispose() => Native.wasmtime_sharedmemory_delete(_handle);

    /// <summary>The C API pieces the managed API lacks (wasmtime 50 headers: config.h, memory.h, sharedmemory.h,
    /// extern.h, linker.h, error.h).</summary>
    private static class Native
    {
        private const string Lib = "wasmtime";
        public const byte ExternSharedMemory = 4;      // WASMTIME_EXTERN_SHAREDMEMORY

        /// <summary>wasmtime_extern_t: a kind byte, then an 8-aligned union of 24 bytes (func/table/memory/global
        /// are {u64 store_id; size_t; [u32]}; sharedmemory is a pointer).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 32)]
        public struct Extern
        {
            [FieldOffset(0)] public byte Kind;
            [FieldOffset(8)] public IntPtr SharedMemory;
        }

        [DllImport(Lib)] public static extern void wasmtime_config_shared_memory_set(IntPtr config, [MarshalAs(UnmanagedType.U1)] bool enable);

        // wasmtime_error_t *wasmtime_memorytype_new(uint64_t min, bool max_present, uint64_t max, bool is_64,
        //     bool shared, uint8_t page_size_log2, wasm_memorytype_t **ret);
        [DllImport(Lib)]
        public static extern IntPtr wasmtime_memorytype_new(ulong min, [MarshalAs(UnmanagedType.U1)] bool maxPresent, ulong max,
            [MarshalAs(UnmanagedType.U1)] bool is64, [MarshalAs(UnmanagedType.U1)] bool shared, byte pageSizeLog2, out IntPtr ret);

        [DllImport(Lib)] public static extern void wasm_memorytype_delete(IntPtr type);
        [DllImport(Lib)] public static extern IntPtr wasmtime_sharedmemory_new(IntPtr engine, IntPtr type, out IntPtr ret);
        [DllImport(Lib)] public static extern void wasmtime_sharedmemory_delete(IntPtr memory);
        [DllImport(Lib)] public static extern nuint wasmtime_sharedmemory_data_size(IntPtr memory);
        [DllImport(Lib)] public static extern IntPtr wasmtime_sharedmemory_data(IntPtr memory);

        [DllImport(Lib)]
        public static extern IntPtr wasmtime_linker_define(IntPtr linker, IntPtr context, string module, nuint moduleLen,
            string name, nuint nameLen, ref Extern item);

        [StructLayout(LayoutKind.Sequential)] private struct ByteVec { public nuint Size; public IntPtr Data; }
        [DllImport(Lib)] private static extern void wasmtime_error_message(IntPtr error, out ByteVec message);
        [DllImport(Lib)] private static extern void wasm_byte_vec_delete(ref ByteVec vec);
        [DllImport(Lib)] private static extern void wasmtime_error_delete(IntPtr error);

        public static void Check(IntPtr error)
        {
            if (error == IntPtr.Zero) return;
            wasmtime_error_message(error, out var vec);
            var message = Marshal.PtrToStringUTF8(vec.Data, (int)vec.Size);
            wasm_byte_vec_delete(ref vec);
            wasmtime_error_delete(error);
            throw new WasmtimeException(message);
        }
    }
}
