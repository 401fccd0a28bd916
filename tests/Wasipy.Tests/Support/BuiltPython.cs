using Wasipy.Cli;
using Wasipy.Pipeline;
using Wasipy.Pipeline.Actions;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.Support;

/// <summary>Runs `wasipy run RECIPE [--stdlib MODE]` like a user and hands back where the interpreter it built is.</summary>
public static class BuiltPython
{
    public sealed record Built(BuildSession Session, PythonInstall Python, string Output);

    public static async Task<Built> BuildAsync(string recipe, ITestOutputHelper output, string? stdlib = null, params string[] more)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args = stdlib is null ? ["run", recipe, .. more] : ["run", recipe, "--stdlib", stdlib, .. more];
        var exit = await WasipyCli.RunAsync(args, stdout, stderr);
        output.WriteLine(stdout.ToString());
        Assert.True(exit == 0, $"wasipy {string.Join(' ', args)} failed:\n{stdout}\n{stderr}");
        var with = more.SkipWhile(a => a != "--with").Skip(1).Take(1).SelectMany(w => w.Split(',')).ToList();
        var link = more.SkipWhile(a => a != "--link").Skip(1).FirstOrDefault();
        var session = BuildSession.Open(new BuildOptions { RecipePath = recipe, StdlibMode = stdlib, With = with, Snapshot = more.Contains("--snapshot") ? true : null, Link = link });
        var python = session.Product!;
        Assert.True(File.Exists(python.WasmPath), python.WasmPath);
        return new Built(session, python, stdout.ToString());
    }
}

/// <summary>Compiles a C program for wasm32-wasi with the Debian toolchain and runs it under Wasmtime with nothing mapped.</summary>
public static class WasmProgram
{
    public static async Task<WasiResult> CompileAndRunAsync(TempDir dir, string source, string extraArguments)
    {
        dir.File("main.c", source);
        var (exit, output) = await Wasipy.Processes.ShellRunner.CaptureAsync(
            $"clang-16 --target=wasm32-wasi -O1 -Wall -Werror main.c {extraArguments} -o main.wasm", dir.Path, CancellationToken.None);
        Assert.True(exit == 0, output);
        using var runner = new WasiRunner();
        var result = runner.Run(new WasiRun { WasmPath = dir.Combine("main.wasm"), Args = ["main"] });
        Assert.True(result.Succeeded, result.Stdout + result.Stderr + result.Trap);
        return result;
    }
}
