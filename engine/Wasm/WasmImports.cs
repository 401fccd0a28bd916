using Wasmtime;
using Module = Wasmtime.Module;

namespace Wasipy.Wasm;

/// <summary>What a wasm module imports, read from the module or from the file's import section.</summary>
public static class WasmImports
{
    /// <summary>Whether the module is a wasi-threads module: it imports <c>wasi.thread-spawn</c>.</summary>
    public static bool IsThreadsModule(Module module) =>
        module.Imports.Any(i => i is FunctionImport && i.ModuleName == "wasi" && i.Name == "thread-spawn");

    /// <summary>The same question asked of a file without compiling it: its import section names
    /// <c>wasi.thread-spawn</c>. A file that is not a wasm module answers no (compiling it will say why).</summary>
    public static bool IsThreadsModule(string wasmPath)
    {
        using var file = File.OpenRead(wasmPath);
        using var reader = new BinaryReader(file);
        uint Leb() { uint result = 0; var shift = 0; byte b; do { b = reader.ReadByte(); result |= (uint)(b & 0x7f) << shift; shift += 7; } while ((b & 0x80) != 0 && shift < 35); return result; }
        string Name() => System.Text.Encoding.UTF8.GetString(reader.ReadBytes((int)Leb()));
        try
        {
            if (reader.ReadUInt32() != 0x6d736100) return false;   // "\0asm"
            reader.ReadUInt32();
            while (file.Position < file.Length)
            {
                var id = reader.ReadByte();
                var size = Leb();
                if (id != 2) { file.Seek(size, SeekOrigin.Current); continue; }
                for (var n = Leb(); n > 0; n--)
                {
                    var (module, name, kind) = (Name(), Name(), reader.ReadByte());
                    if (kind == 0 && module == "wasi" && name == "thread-spawn") return true;
                    switch (kind)
                    {
                        case 0: Leb(); break;                                                           // function: type index
                        case 1: reader.ReadByte(); if ((reader.ReadByte() & 1) != 0) { Leb(); Leb(); } else Leb(); break;   // table
                        case 2: if ((reader.ReadByte() & 1) != 0) { Leb(); Leb(); } else Leb(); break;  // memory limits
                        case 3: reader.ReadBytes(2); break;                                             // global
                        default: return false;
                    }
                }
                return false;
            }
        }
        catch (EndOfStreamException) { }
        return false;
    }
}
