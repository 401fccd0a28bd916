namespace Wasipy.Wasm;

/// <summary>A WASI preview 1 host that runs command modules: Wasmtime in-process, or Node's node:wasi.</summary>
public interface IWasiHost : IDisposable
{
    WasiResult Run(WasiRun run);
}

/// <summary>The hosts `--runtime` chooses from.</summary>
public static class WasiHosts
{
    public const string Wasmtime = "wasmtime", Node = "node";
    public static readonly IReadOnlyList<string> Names = [Wasmtime, Node];

    /// <summary>A host by name; node runs <paramref name="projectRoot"/>/hosts/node/run.mjs.</summary>
    public static IWasiHost Create(string name, string moduleCacheDir, string projectRoot, bool timeLimits = true) => name switch
    {
        Wasmtime => new WasiRunner(moduleCacheDir, timeLimits),
        Node => new NodeRunner(Path.Combine(projectRoot, "hosts", "node", "run.mjs")),
        _ => throw new Errors.WasipyException($"--runtime {name} is not one of {string.Join(", ", Names)}", 2),
    };
}
