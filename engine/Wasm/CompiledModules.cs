using Wasipy.Caching;
using Wasmtime;
using Module = Wasmtime.Module;

namespace Wasipy.Wasm;

/// <summary>
/// The compiled-module cache: a wasm compiles once per content and flavour (with or without time-limit checks, or for
/// threads: the code differs) into <c>SHA256.wasmtime-50FLAVOUR.cwasm</c>, which later runs load memory-mapped
/// (<see cref="Module.DeserializeFile"/>). Hashing a 30 MB python.wasm on every run would cost more than loading it,
/// so each wasm's hash is remembered beside the cache with the file's size and modification time, and worked out
/// again when either changes.
/// </summary>
public static class CompiledModules
{
    /// <summary>The module, compiled or taken from <paramref name="cacheDir"/> (none: compiled every time).</summary>
    public static Module Load(Engine engine, string wasmPath, string? cacheDir, string flavour)
    {
        if (cacheDir is null) return Module.FromFile(engine, wasmPath);
        var compiled = PathOf(wasmPath, cacheDir, flavour);
        if (File.Exists(compiled))
        {
            try { return Module.DeserializeFile(engine, Path.GetFileName(wasmPath), compiled); }
            catch (WasmtimeException) { File.Delete(compiled); }
        }
        var module = Module.FromFile(engine, wasmPath);
        Directory.CreateDirectory(cacheDir);
        var temp = $"{compiled}.{Guid.NewGuid():N}.tmp";   // several tests may compile it at once
        File.WriteAllBytes(temp, module.Serialize());
        File.Move(temp, compiled, overwrite: true);
        return module;
    }

    /// <summary>A module given as bytes (a side module the guest read), compiled or taken from <paramref name="cacheDir"/>
    /// by the bytes' SHA-256.</summary>
    public static Module LoadBytes(Engine engine, string name, byte[] bytes, string? cacheDir, string flavour)
    {
        if (cacheDir is null) return Module.FromBytes(engine, name, bytes);
        var compiled = Path.Combine(cacheDir, $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))}.wasmtime-50{flavour}.cwasm");
        if (File.Exists(compiled))
        {
            try { return Module.DeserializeFile(engine, name, compiled); }
            catch (WasmtimeException) { File.Delete(compiled); }
        }
        var module = Module.FromBytes(engine, name, bytes);
        Directory.CreateDirectory(cacheDir);
        var temp = $"{compiled}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temp, module.Serialize());
        File.Move(temp, compiled, overwrite: true);
        return module;
    }

    /// <summary>Where the compiled form of <paramref name="wasmPath"/> is (or will be) cached.</summary>
    public static string PathOf(string wasmPath, string cacheDir, string flavour) =>
        Path.Combine(cacheDir, $"{HashOf(wasmPath, cacheDir)}.wasmtime-50{flavour}.cwasm");

    /// <summary>The wasm's content hash: remembered for its path, size and modification time, else computed (and
    /// remembered).</summary>
    public static string HashOf(string wasmPath, string cacheDir)
    {
        var file = new FileInfo(wasmPath);
        var stamp = $"{file.Length} {file.LastWriteTimeUtc.Ticks} ";
        var memo = Path.Combine(cacheDir, "hashes", QuickHash.OfString(Path.GetFullPath(wasmPath)));
        try
        {
            if (File.Exists(memo) && File.ReadAllText(memo) is var known && known.StartsWith(stamp, StringComparison.Ordinal) && known.Length == stamp.Length + 64)
                return known[stamp.Length..];
        }
        catch (IOException) { }
        var hash = ContentHash.OfFile(wasmPath);
        // The stamp is read before hashing: a file that changed meanwhile has a newer stamp, so it is hashed again next time.
        Directory.CreateDirectory(Path.GetDirectoryName(memo)!);
        var temp = $"{memo}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, stamp + hash);
        File.Move(temp, memo, overwrite: true);
        return hash;
    }
}
