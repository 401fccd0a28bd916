using System.Text.Json;
using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Pipeline.Actions;
using Wasipy.Project;
using Wasipy.Wasm;

namespace Wasipy.Cli;

/// <summary>
/// Where `wasipy exec` finds python.wasm. Working it out means loading the recipe and wasipy.yaml and planning every
/// step (about 0.2 s); a python run should start faster than that, so the answer is remembered in .cache/exec,
/// keyed by the contents of the recipe and of wasipy.yaml and by the options, and used while python.wasm exists.
/// </summary>
public static class ExecTargets
{
    public sealed record Target(string WasmPath, string HostPrefix, string GuestPrefix, string ModuleCacheDir, string ProjectRoot)
    {
        public PythonInstall Python => new(WasmPath, HostPrefix, GuestPrefix);
    }

    public static Target Resolve(BuildOptions options)
    {
        var configPath = options.ConfigPath ?? ProjectLoader.Find(Path.GetDirectoryName(Path.GetFullPath(options.RecipePath))!);
        if (!File.Exists(options.RecipePath))
            throw new WasipyException($"{options.RecipePath}: file not found. Check the path (it is relative to {Environment.CurrentDirectory}).", 2);
        // Hashed, not read whole: a FIFO or device given as the recipe is refused without opening it.
        var key = ContentHash.OfString(string.Join('\0', ContentHash.OfFile(options.RecipePath), ContentHash.OfFile(configPath),
            Path.GetFullPath(options.RecipePath), options.StdlibMode, options.Snapshot, options.Toolchain, options.AppDir, options.AppMain,
            string.Join(',', options.With), Environment.GetEnvironmentVariable("WASI_SDK_PATH")));
        var cached = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, ".cache", "exec", key + ".json");
        if (File.Exists(cached))
        {
            try
            {
                if (JsonSerializer.Deserialize<Target>(File.ReadAllText(cached)) is { } known && File.Exists(known.WasmPath)) return known;
            }
            catch (JsonException) { }
        }
        var session = BuildSession.Open(options);
        var python = session.Product
                     ?? throw new WasipyException($"{session.Config.FilePath} has no product section (wasm, guest_prefix), so wasipy does not know where python.wasm is", 2);
        var target = new Target(python.WasmPath, python.HostPrefix, python.GuestPrefix, session.Dirs.ModuleCache, session.Config.Root);
        if (File.Exists(target.WasmPath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            File.WriteAllText(cached, JsonSerializer.Serialize(target));
        }
        return target;
    }
}
