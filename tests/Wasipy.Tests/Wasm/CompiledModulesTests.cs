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
}
