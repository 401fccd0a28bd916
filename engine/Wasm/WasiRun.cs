namespace Wasipy.Wasm;

/// <summary>A host folder made visible to the guest at <see cref="GuestPath"/>; the host refuses the guest's writes
/// to a <see cref="ReadOnly"/> one.</summary>
public sealed record Preopen(string HostPath, string GuestPath, bool ReadOnly = false);

/// <summary>One run of a WASI command module.</summary>
public sealed record WasiRun
{
    public required string WasmPath { get; init; }
    /// <summary>argv, including argv[0].</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<Preopen> Preopens { get; init; } = [];
    /// <summary>What the guest reads on stdin (when not inheriting); null: nothing (end of file).</summary>
    public string? Stdin { get; init; }
    /// <summary>Pass the host's stdin/stdout/stderr through instead of capturing them.</summary>
    public bool InheritStdio { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>Exit code (0 when _start returns), captured output, and the trap message if the guest trapped.</summary>
public sealed record WasiResult(int ExitCode, string Stdout, string Stderr, string? Trap)
{
    /// <summary>Time spent in the guest's _start (excludes compiling and instantiating); zero where not measured.</summary>
    public TimeSpan GuestTime { get; init; }

    /// <summary>Time taken to load (or compile) the module, and to instantiate it; zero where not measured.</summary>
    public TimeSpan ModuleLoadTime { get; init; }
    public TimeSpan InstantiateTime { get; init; }

    public bool Succeeded => ExitCode == 0 && Trap is null;
}
