namespace Wasipy.Wasm;

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
