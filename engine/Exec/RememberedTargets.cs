using System.Text.Json;
using Wasipy.Caching;
using Wasipy.Project;

namespace Wasipy.Exec;

/// <summary>
/// The answers `exec` remembers in the project's .cache/exec: one JSON file per request, named by a hash
/// (<see cref="QuickHash"/>) of the contents of the recipe and of wasipy.yaml, the recipe's path, the options and WASI_SDK_PATH (which chooses the default
/// toolchain). An answer counts while its python.wasm exists. The engine writes them; the engine and the launcher
/// read them.
/// </summary>
public static class RememberedTargets
{
    /// <summary>The project file the request uses (its own --config, or the wasipy.yaml above the recipe).</summary>
    public static string ConfigPathOf(ExecRequest request) =>
        request.ConfigPath ?? ProjectFile.Find(Path.GetDirectoryName(Path.GetFullPath(request.RecipePath))!);

    /// <summary>Where the answer to <paramref name="request"/> is (or would be) remembered. The files are hashed,
    /// not read whole: a FIFO or device given as the recipe is refused without opening it.</summary>
    public static string MemoPath(ExecRequest request, string configPath)
    {
        var key = QuickHash.OfString(string.Join('\0', QuickHash.OfFile(request.RecipePath), QuickHash.OfFile(configPath),
            Path.GetFullPath(request.RecipePath), request.StdlibMode, request.Snapshot ? "True" : "", request.Toolchain, request.AppDir,
            request.AppMain, string.Join(',', request.With), Environment.GetEnvironmentVariable("WASI_SDK_PATH")));
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, ".cache", "exec", key + ".json");
    }

    /// <summary>The remembered answer, or null when there is none, it is unreadable or its python.wasm is gone.</summary>
    public static ExecTarget? Recall(string memoPath)
    {
        if (!File.Exists(memoPath)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(memoPath), ExecTargetJson.Default.ExecTarget) is { } known && File.Exists(known.WasmPath)
                ? known
                : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>Remembers an answer whose python.wasm exists (one that does not is worked out again next time).</summary>
    public static void Remember(string memoPath, ExecTarget target)
    {
        if (!File.Exists(target.WasmPath)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(memoPath)!);
        var temp = $"{memoPath}.{Guid.NewGuid():N}.tmp";   // a reader never sees half a file
        File.WriteAllText(temp, JsonSerializer.Serialize(target, ExecTargetJson.Default.ExecTarget));
        File.Move(temp, memoPath, overwrite: true);
    }
}
