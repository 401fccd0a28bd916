using System.Text.Json.Serialization;
using Wasipy.Wasm;

namespace Wasipy.Exec;

/// <summary>Where `wasipy exec` finds python.wasm, its install prefix (host and guest), the compiled-module cache
/// and the project root (for Node's host script).</summary>
public sealed record ExecTarget(string WasmPath, string HostPrefix, string GuestPrefix, string ModuleCacheDir, string ProjectRoot)
{
    public PythonInstall Python => new(WasmPath, HostPrefix, GuestPrefix);
}

/// <summary>The remembered targets' JSON, generated at build time (the launcher is compiled ahead of time and has no
/// reflection-based serializer).</summary>
[JsonSerializable(typeof(ExecTarget))]
internal sealed partial class ExecTargetJson : JsonSerializerContext;
