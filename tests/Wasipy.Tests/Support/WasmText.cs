namespace Wasipy.Tests.Support;

public static class WasmText
{
    /// <summary>Writes the module given in WebAssembly text into a new file of <paramref name="dir"/>; returns its path.</summary>
    public static string WriteModule(this TempDir dir, string wat)
    {
        var path = dir.Combine(Guid.NewGuid().ToString("N") + ".wasm");
        File.WriteAllBytes(path, Wasmtime.Module.ConvertText(wat));
        return path;
    }
}
