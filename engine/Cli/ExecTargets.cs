using Wasipy.Errors;
using Wasipy.Exec;
using Wasipy.Pipeline;

namespace Wasipy.Cli;

/// <summary>
/// Where `wasipy exec` finds python.wasm. Working it out means loading the recipe and wasipy.yaml and planning every
/// step (about 0.2 s); a python run should start faster than that, so the answer is remembered
/// (<see cref="RememberedTargets"/>) and used while python.wasm exists.
/// </summary>
public static class ExecTargets
{
    public static ExecTarget Resolve(BuildOptions options)
    {
        var request = new ExecRequest
        {
            RecipePath = options.RecipePath, ConfigPath = options.ConfigPath, StdlibMode = options.StdlibMode, Snapshot = options.Snapshot == true,
            Toolchain = options.Toolchain, AppDir = options.AppDir, AppMain = options.AppMain, With = options.With,
        };
        var configPath = RememberedTargets.ConfigPathOf(request);
        if (!File.Exists(options.RecipePath))
            throw new WasipyException($"{options.RecipePath}: file not found. Check the path (it is relative to {Environment.CurrentDirectory}).", 2);
        var memo = RememberedTargets.MemoPath(request, configPath);
        if (RememberedTargets.Recall(memo) is { } known) return known;
        var session = BuildSession.Open(options);
        var python = session.Product
                     ?? throw new WasipyException($"{session.Config.FilePath} has no product section (wasm, guest_prefix), so wasipy does not know where python.wasm is", 2);
        var target = new ExecTarget(python.WasmPath, python.HostPrefix, python.GuestPrefix, session.Dirs.ModuleCache, session.Config.Root);
        RememberedTargets.Remember(memo, target);
        return target;
    }
}
