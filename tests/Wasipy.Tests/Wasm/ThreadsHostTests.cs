using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

/// <summary>wasi-threads modules (hand-written, so no build is needed) under both hosts: the engine's runner
/// (WasiThreadsHost) and Node (hosts/node/threads.mjs, which needs node and @emnapi/wasi-threads from
/// docker/install-toolchain.sh).</summary>
public class ThreadsHostTests
{
    private static IWasiHost Host(string name) => name == "node" ? NodeRunnerTests.Node() : new WasiRunner();

    // A wasi-threads module: main opens f.txt in the first mapped folder (its descriptor at 64) and starts a thread,
    // which reads from that descriptor (errno at 72, bytes read at 136, data at 256) and wakes main, which writes what
    // was read to stdout and exits with the thread's errno. malloc/free are for @emnapi/wasi-threads.
    private const string ReadInAnotherThreadWat = """
        (module
          (import "env" "memory" (memory 1 1 shared))
          (export "memory" (memory 0))
          (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (data (i32.const 16) "f.txt")
          (func (export "malloc") (param i32) (result i32) (i32.const 2048))
          (func (export "free") (param i32))
          (func (export "wasi_thread_start") (param i32 i32)
            (i32.store (i32.const 128) (i32.const 256))
            (i32.store (i32.const 132) (i32.const 64))
            (i32.store (i32.const 72) (call $read (i32.load (i32.const 64)) (i32.const 128) (i32.const 1) (i32.const 136)))
            (i32.atomic.store (i32.const 68) (i32.const 1))
            (drop (memory.atomic.notify (i32.const 68) (i32.const 1))))
          (func (export "_start")
            (if (call $open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 64))
              (then (call $proc_exit (i32.const 100))))
            (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 0)) (then (call $proc_exit (i32.const 101))))
            (loop $wait
              (if (i32.eqz (i32.atomic.load (i32.const 68)))
                (then (drop (memory.atomic.wait32 (i32.const 68) (i32.const 0) (i64.const -1))) (br $wait))))
            (i32.store (i32.const 132) (i32.load (i32.const 136)))
            (drop (call $write (i32.const 1) (i32.const 128) (i32.const 1) (i32.const 140)))
            (call $proc_exit (i32.load (i32.const 72)))))
        """;

    [Theory]
    [InlineData("wasmtime")]
    [InlineData("node")]
    public void A_file_opened_in_one_thread_is_read_in_another(string host)
    {
        using var dir = new TempDir();
        var folder = Directory.CreateDirectory(dir.Combine("mapped")).FullName;
        File.WriteAllText(Path.Combine(folder, "f.txt"), "opened by main, read by a thread");
        using var runner = Host(host);
        var result = runner.Run(new WasiRun
        {
            WasmPath = dir.WriteModule(ReadInAnotherThreadWat), Args = ["t"], Preopens = [new Preopen(folder, "/data")], Timeout = TimeSpan.FromSeconds(60),
        });
        // Node's wasi-threads gives each Worker its own node:wasi: there the thread's read was EBADF (exit 8).
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}{result.Trap}");
        Assert.Equal("opened by main, read by a thread", result.Stdout);
    }

    // Main starts two threads and all three wait for ever, each on a word nobody changes.
    private const string DeadlockWat = """
        (module
          (import "env" "memory" (memory 1 1 shared))
          (export "memory" (memory 0))
          (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
          (func (export "malloc") (param i32) (result i32) (i32.const 2048))
          (func (export "free") (param i32))
          (func $forever (loop $wait (drop (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const -1))) (br $wait)))
          (func (export "wasi_thread_start") (param i32 i32) (call $forever))
          (func (export "_start")
            (drop (call $spawn (i32.const 0)))
            (drop (call $spawn (i32.const 0)))
            (call $forever)))
        """;

    [Theory]
    [InlineData("wasmtime")]
    [InlineData("node")]
    public void A_deadlock_ends_at_the_time_limit_naming_the_guest_threads_still_running(string host)
    {
        using var dir = new TempDir();
        using var runner = Host(host);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = runner.Run(new WasiRun { WasmPath = dir.WriteModule(DeadlockWat), Args = ["d"], Timeout = TimeSpan.FromSeconds(3) });
        Assert.Equal(128, result.ExitCode);
        // Each host numbers threads its own way (Wasmtime from 1, @emnapi/wasi-threads from 43): two besides main.
        Assert.Matches(@"timed out after 3s; guest threads still running: main, \d+, \d+$", result.Trap);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }
}
