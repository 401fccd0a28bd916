namespace Wasipy.Wasm;

/// <summary>
/// Where a built python.wasm and its installed prefix are, on the host and inside the guest. An empty
/// <see cref="HostPrefix"/> means the standard library is inside the wasm and nothing is mapped.
/// </summary>
public sealed record PythonInstall(string WasmPath, string HostPrefix, string GuestPrefix)
{
    /// <summary>Runs the interpreter with the install prefix preopened at the guest prefix it was configured with,
    /// and what <paramref name="context"/> adds (the user's folders and variables; those win over the default
    /// PYTHONDONTWRITEBYTECODE=1).</summary>
    public WasiResult Run(IWasiHost runner, IReadOnlyList<string> arguments, bool inheritStdio = false, TimeSpan? timeout = null,
        GuestContext? context = null) =>
        runner.Run(Command(arguments, inheritStdio, timeout, context));

    /// <summary>The run <see cref="Run"/> asks a host for (the launcher asks its own host for the same).</summary>
    public WasiRun Command(IReadOnlyList<string> arguments, bool inheritStdio = false, TimeSpan? timeout = null, GuestContext? context = null) =>
        new()
        {
            WasmPath = WasmPath,
            Args = [$"{GuestPrefix}/bin/{Path.GetFileName(WasmPath)}", .. arguments],
            Preopens = [.. HostPrefix.Length == 0 ? [] : new[] { new Preopen(HostPrefix, GuestPrefix) }, .. context?.Folders ?? []],
            Environment = GuestEnvironment(context ?? GuestContext.None),
            InheritStdio = inheritStdio,
            Timeout = timeout ?? TimeSpan.FromMinutes(5),
        };

    private static Dictionary<string, string> GuestEnvironment(GuestContext context)
    {
        var environment = new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" };
        foreach (var (name, value) in context.Environment) environment[name] = value;
        return environment;
    }

    /// <summary>The wasmtime CLI command that does the same as <see cref="Run"/>.</summary>
    public string WasmtimeCommand()
    {
        // A wasm32-wasi-threads build needs the CLI's threads proposal and wasi-threads (the CLI is not on this machine: untested).
        var threads = File.Exists(WasmPath) && WasmImports.IsThreadsModule(WasmPath) ? "-W threads=y -S threads=y " : "";
        return HostPrefix.Length == 0
            ? $"wasmtime run {threads}{WasmPath}"
            : $"wasmtime run {threads}--dir {HostPrefix}::{GuestPrefix} --env PYTHONDONTWRITEBYTECODE=1 {WasmPath}";
    }
}
