namespace Wasipy.Wasm;

/// <summary>A WASI preview 1 host that runs command modules: Wasmtime in-process, or Node's node:wasi.</summary>
public interface IWasiHost : IDisposable
{
    WasiResult Run(WasiRun run);
}
