using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

public class WasiRunnerTests
{
    // Writes "hi from wasm\n" to stdout, then exits with the number of its arguments (argc).
    private const string HelloWat = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hi from wasm\n")
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 13))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (drop (call $args_sizes_get (i32.const 32) (i32.const 36)))
            (call $proc_exit (i32.load (i32.const 32)))))
        """;

    private const string LoopWat = """(module (func (export "_start") (loop $l (br $l))))""";
    private const string TrapWat = """(module (func (export "_start") unreachable))""";


    [Fact]
    public void A_command_module_runs_and_its_output_and_exit_code_come_back()
    {
        using var dir = new TempDir();
        using var runner = new WasiRunner();
        var result = runner.Run(new WasiRun { WasmPath = dir.WriteModule(HelloWat), Args = ["hello", "a", "b"] });
        Assert.Equal("hi from wasm\n", result.Stdout);
        Assert.Equal(3, result.ExitCode);
        Assert.Null(result.Trap);
    }

    [Fact]
    public void Proc_exit_zero_is_success()
    {
        using var dir = new TempDir();
        using var runner = new WasiRunner();
        Assert.True(runner.Run(new WasiRun { WasmPath = dir.WriteModule(HelloWat), Args = [] }).Succeeded);
    }

    [Fact]
    public void A_trap_is_reported_not_thrown()
    {
        using var dir = new TempDir();
        using var runner = new WasiRunner();
        var result = runner.Run(new WasiRun { WasmPath = dir.WriteModule(TrapWat) });
        Assert.False(result.Succeeded);
        Assert.NotNull(result.Trap);
    }

    [Fact]
    public void A_guest_that_never_ends_is_stopped_at_its_timeout()
    {
        using var dir = new TempDir();
        using var runner = new WasiRunner();
        var result = runner.Run(new WasiRun { WasmPath = dir.WriteModule(LoopWat), Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Contains("timed out", result.Trap);
    }

    [Fact]
    public async Task Runs_in_parallel_time_out_each_at_their_own_limit()
    {
        using var dir = new TempDir();
        using var runner = new WasiRunner();
        var wasm = dir.WriteModule(LoopWat);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var longer = Task.Run(() => (runner.Run(new WasiRun { WasmPath = wasm, Timeout = TimeSpan.FromSeconds(4) }), clock.Elapsed));
        var shorter = runner.Run(new WasiRun { WasmPath = wasm, Timeout = TimeSpan.FromSeconds(1) });
        var shortAt = clock.Elapsed;
        var (result, longAt) = await longer;

        Assert.Contains("timed out after 1s", shorter.Trap);
        Assert.Contains("timed out after 4s", result.Trap);
        Assert.True(longAt - shortAt > TimeSpan.FromSeconds(1.5), $"the 4 s run ended {longAt}, the 1 s run {shortAt}");
    }

    [Fact]
    public void A_runner_without_time_limits_runs_the_same_module_from_a_cache_file_of_its_own()
    {
        using var dir = new TempDir();
        var wasm = dir.WriteModule(HelloWat);
        using (var limited = new WasiRunner(dir.Combine("cache")))
            Assert.Equal(1, limited.Run(new WasiRun { WasmPath = wasm, Args = ["x"] }).ExitCode);
        using (var unlimited = new WasiRunner(dir.Combine("cache"), timeLimits: false))
            Assert.Equal(1, unlimited.Run(new WasiRun { WasmPath = wasm, Args = ["x"] }).ExitCode);

        var files = Directory.GetFiles(dir.Combine("cache"), "*.cwasm").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(2, files.Count);
        Assert.Single(files, f => f!.EndsWith(".wasmtime-50-unlimited.cwasm", StringComparison.Ordinal));
    }

    [Fact]
    public void A_compiled_module_is_cached_on_disk_and_reused()
    {
        using var dir = new TempDir();
        var wasm = dir.WriteModule(HelloWat);
        using (var runner = new WasiRunner(dir.Combine("cache")))
            Assert.Equal(1, runner.Run(new WasiRun { WasmPath = wasm, Args = ["x"] }).ExitCode);
        Assert.Single(Directory.GetFiles(dir.Combine("cache"), "*.cwasm"));
        using (var runner = new WasiRunner(dir.Combine("cache")))
            Assert.Equal("hi from wasm\n", runner.Run(new WasiRun { WasmPath = wasm, Args = ["x"] }).Stdout);
    }
}
