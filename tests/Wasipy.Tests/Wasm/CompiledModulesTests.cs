using Wasipy.Caching;
using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

public class CompiledModulesTests
{
    [Fact]
    public void A_wasm_is_hashed_once_and_again_when_its_size_or_modification_time_changes()
    {
        using var dir = new TempDir();
        var wasm = dir.File("python.wasm", "first");
        var cache = dir.Combine("modules");
        var written = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(wasm, written);

        Assert.Equal(ContentHash.OfFile(wasm), CompiledModules.HashOf(wasm, cache));
        File.WriteAllText(wasm, "other");              // same size and, set back, same time: the remembered hash stands
        File.SetLastWriteTimeUtc(wasm, written);
        Assert.Equal(ContentHash.OfString("first"), CompiledModules.HashOf(wasm, cache));
        File.SetLastWriteTimeUtc(wasm, written.AddSeconds(1));
        Assert.Equal(ContentHash.OfString("other"), CompiledModules.HashOf(wasm, cache));
        File.WriteAllText(wasm, "longer text");
        Assert.Equal(ContentHash.OfString("longer text"), CompiledModules.HashOf(wasm, cache));
        Assert.EndsWith($"{ContentHash.OfString("longer text")}.wasmtime-50-unlimited.cwasm", CompiledModules.PathOf(wasm, cache, "-unlimited"));
    }

    [Fact]
    public void A_side_module_given_as_bytes_compiles_once_per_content_and_a_spoiled_cache_file_is_compiled_again()
    {
        using var dir = new TempDir();
        var cache = dir.Combine("modules");
        using var engine = new Wasmtime.Engine();
        var bytes = Wasmtime.Module.ConvertText("(module (func (export \"f\") (result i32) (i32.const 7)))");
        var cached = Path.Combine(cache, $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))}.wasmtime-50.cwasm");

        using (var first = CompiledModules.LoadBytes(engine, "a.so", bytes, cache, "")) Assert.Contains(first.Exports, e => e.Name == "f");
        Assert.True(File.Exists(cached));
        var written = File.GetLastWriteTimeUtc(cached);
        using (var second = CompiledModules.LoadBytes(engine, "a.so", bytes, cache, "")) Assert.Contains(second.Exports, e => e.Name == "f");
        Assert.Equal(written, File.GetLastWriteTimeUtc(cached));           // taken from the cache, not written again

        File.WriteAllText(cached, "not a compiled module");
        using (var third = CompiledModules.LoadBytes(engine, "a.so", bytes, cache, "")) Assert.Contains(third.Exports, e => e.Name == "f");
        Assert.NotEqual("not a compiled module", File.ReadAllText(cached));
    }
}
