using System.Runtime.InteropServices;
using Wasipy.Errors;
using Wasipy.Exec;
using Wasipy.Launcher;
using Wasipy.Wasm;

// `./wasipy exec …` as a native program: the common case (a remembered python.wasm, compiled, on Wasmtime) runs
// here; every other command line goes to the engine unchanged (Fallback).
ProcessClock.Mark();
var launcherDir = AppContext.BaseDirectory;
var script = Path.GetFullPath(Path.Combine(launcherDir, "..", "..", "wasipy"));
var state = Environment.GetEnvironmentVariable(Fallback.Variable);
if (!LauncherFreshness.IsFresh(launcherDir))
    return Fallback.ToEngine(script, args, state == "fresh" ? "off" : "stale");   // "fresh": just published, and still not: the engine runs
if (ExecLine.Parse(args) is not { } line) return Fallback.ToEngine(script, args, "off");
// Loading Wasmtime (a 30 MB library) takes as long as finding python.wasm: both at once, on the two threads (a
// thread of its own: the thread pool would start two).
WasiCommandHost? started = null;
Exception? startFailure = null;
var starting = new Thread(() =>
{
    try { started = new WasiCommandHost(timeLimits: false); }
    catch (Exception e) { startFailure = e; }
}) { Name = "wasmtime-start", IsBackground = true };   // as the pool's threads were: never holds the process up
starting.Start();
if (Locate(line.Request) is not { } target) return Fallback.ToEngine(script, args, "off");

try
{
    var context = GuestContext.Create(new GuestContextOptions
    {
        WorkingDirectory = line.NoCwd ? null : Environment.CurrentDirectory,
        Dirs = line.Dirs,
        Env = line.Env,
        EnvFiles = line.EnvFiles,
    }, target.GuestPrefix);
    // Ctrl-C and SIGTERM end the run with 130 and 143, as they end the engine's.
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Environment.Exit(130));
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Environment.Exit(143));
    if (!starting.Join(TimeSpan.FromMinutes(2))) throw new WasipyException("Wasmtime did not start within 2 minutes; is the machine overloaded? Try again");
    if (startFailure is not null) throw startFailure;
    using var host = started!;
    var setup = DateTime.UtcNow - ProcessClock.Entered;
    // On this, the process's first thread, when its stack limit is at least 8 MiB (half the guest thread the engine
    // would start; Wasmtime gives wasm at most 2 MiB of it).
    var result = host.Run(target.Python.Command(line.PythonArgs, inheritStdio: true, timeout: TimeSpan.FromHours(24), context: context), target.ModuleCacheDir,
        onCallingThread: MainThreadStack.IsAtLeast(WasiCommandHost.GuestThreadStack / 2));
    if (result.Trap is not null) Console.Error.WriteLine($"wasipy: python.wasm trapped: {result.Trap}");
    if (line.Timing)
        foreach (var text in new ExecTiming("launcher", ProcessClock.ProcessStart, setup, result).Lines()) Console.Error.WriteLine(text);
    return result.ExitCode;
}
catch (WasipyException e)
{
    Console.Error.WriteLine($"wasipy: {e.Message}");
    return e.ExitCode;
}
catch (Exception e)
{
    Console.Error.WriteLine($"wasipy: unexpected error: {e.Message} (run with --verbose for the trace)");
    return 1;
}

// The remembered python.wasm for this request, when it is a command module whose compiled form is cached; null
// otherwise (the engine works out, builds or compiles what is missing, and says what is wrong).
static ExecTarget? Locate(ExecRequest request)
{
    try
    {
        var configPath = RememberedTargets.ConfigPathOf(request);
        if (!File.Exists(request.RecipePath)) return null;
        if (RememberedTargets.Recall(RememberedTargets.MemoPath(request, configPath)) is not { } target) return null;
        if (WasmImports.IsThreadsModule(target.WasmPath)) return null;
        return File.Exists(CompiledModules.PathOf(target.WasmPath, target.ModuleCacheDir, "-unlimited")) ? target : null;
    }
    catch (Exception) { return null; }
}
