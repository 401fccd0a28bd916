using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

/// <summary>The Node host (hosts/node/run.mjs through node:wasi); needs node, which docker/install-toolchain.sh installs.</summary>
public class NodeRunnerTests
{
    internal static NodeRunner Node() => new(Path.Combine(RepoRoot.Path, "hosts", "node", "run.mjs"));


    // Recursion without end, each frame with locals that live across the call: V8 must stop it at its own limit.
    private const string RecursionWat = """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func $f (param i32) (result i32)
            (local i64 i64 i64 i64 i64 i64 i64 i64)
            (local.set 1 (i64.extend_i32_u (local.get 0)))
            (local.set 8 (i64.mul (local.get 1) (i64.const 3)))
            (i32.add (call $f (i32.add (local.get 0) (i32.const 1))) (i32.wrap_i64 (i64.add (local.get 1) (local.get 8)))))
          (func (export "_start") (drop (call $f (i32.const 0)))))
        """;

    [Fact]
    public void Unbounded_recursion_under_node_is_a_trap_that_names_the_exhausted_stack_not_a_signal()
    {
        using var dir = new TempDir();
        var result = Node().Run(new WasiRun { WasmPath = dir.WriteModule(RecursionWat), Args = ["rec"], Timeout = TimeSpan.FromSeconds(60) });
        Assert.NotNull(result.Trap);
        Assert.Contains("Maximum call stack size exceeded", result.Trap);
        Assert.True(result.ExitCode < 128, $"node ended by a signal: exit {result.ExitCode}, {result.Stderr}");
    }

    [Fact]
    public void Node_gets_a_main_thread_stack_far_above_the_limit_v8_is_given()
    {
        // A guest cannot read the host's rlimit; the proof is a run that reports Node's own view of it. A stack of
        // tens of MiB must reach node: 8 MiB (the usual default) is what let native frames overflow first.
        using var dir = new TempDir();
        var probe = dir.Combine("limit.mjs");
        File.WriteAllText(probe, "import { readFileSync } from 'node:fs';\n" +
            "const line = readFileSync('/proc/self/limits', 'utf8').split('\\n').find(l => l.startsWith('Max stack size'));\n" +
            "process.stdout.write(line.split(/\\s+/)[3]);\n");
        var result = new NodeRunner(probe).Run(new WasiRun { WasmPath = dir.WriteModule(RecursionWat), Args = ["x"], Timeout = TimeSpan.FromSeconds(60) });
        Assert.True(long.TryParse(result.Stdout, out var bytes), $"no stack limit read: '{result.Stdout}' {result.Stderr}");
        Assert.True(bytes >= 32L * 1024 * 1024, $"node's stack is {bytes} bytes");
    }

    // Sets f.txt's times in the first mapped folder (fd 3) to 1.002003 s after the epoch; exits with the errno.
    private const string SetTimesWat = """
        (module
          (import "wasi_snapshot_preview1" "path_filestat_set_times"
            (func $set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "f.txt")
          (func (export "_start")
            (call $proc_exit (call $set_times (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5)
              (i64.const 1002003000) (i64.const 1002003000) (i32.const 5)))))
        """;

    [Fact]
    public void Setting_a_files_times_under_node_keeps_the_fraction_of_a_second()
    {
        using var dir = new TempDir();
        var folder = Directory.CreateDirectory(dir.Combine("mapped")).FullName;
        var file = Path.Combine(folder, "f.txt");
        File.WriteAllText(file, "x");
        var result = Node().Run(new WasiRun
        {
            WasmPath = dir.WriteModule(SetTimesWat), Args = ["t"], Preopens = [new Preopen(folder, "/data")], Timeout = TimeSpan.FromSeconds(60),
        });
        Assert.Equal(0, result.ExitCode);
        // uvwasi alone stored 1.0 s: the 2,003 microseconds were dropped.
        Assert.Equal(DateTime.UnixEpoch.AddTicks(10_020_030), File.GetLastWriteTimeUtc(file));
    }

    // Closes descriptor -42 (4294967254 unsigned) and exits with the errno.
    private const string CloseNegativeWat = """
        (module
          (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $proc_exit (call $fd_close (i32.const -42)))))
        """;

    [Fact]
    public void A_descriptor_above_two_to_the_31_is_a_bad_descriptor_under_node_as_under_wasmtime()
    {
        using var dir = new TempDir();
        var wasm = dir.WriteModule(CloseNegativeWat);
        using var wasmtime = new WasiRunner();
        var expected = wasmtime.Run(new WasiRun { WasmPath = wasm, Args = ["c"] }).ExitCode;
        Assert.Equal(8, expected);   // EBADF
        Assert.Equal(expected, Node().Run(new WasiRun { WasmPath = wasm, Args = ["c"], Timeout = TimeSpan.FromSeconds(60) }).ExitCode);
    }

    // Opens f.txt (fd at 0), renames it to g.txt, creates a new f.txt, then sets the first descriptor's times to
    // 1.002003 s after the epoch; exits with the last errno.
    private const string SetTimesAfterRenameWat = """
        (module
          (import "wasi_snapshot_preview1" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $set_times (param i32 i64 i64 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "f.txt")
          (data (i32.const 32) "g.txt")
          (func (export "_start")
            (drop (call $open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 0) (i64.const 8388610) (i64.const 0) (i32.const 0) (i32.const 0)))
            (drop (call $rename (i32.const 3) (i32.const 16) (i32.const 5) (i32.const 3) (i32.const 32) (i32.const 5)))
            (drop (call $open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 5) (i32.const 1) (i64.const 8388610) (i64.const 0) (i32.const 0) (i32.const 4)))
            (call $proc_exit (call $set_times (i32.load (i32.const 0)) (i64.const 1002003000) (i64.const 1002003000) (i32.const 5)))))
        """;

    [Fact]
    public void Setting_a_descriptors_times_under_node_never_reaches_a_file_that_took_its_old_name()
    {
        using var dir = new TempDir();
        var folder = Directory.CreateDirectory(dir.Combine("mapped")).FullName;
        File.WriteAllText(Path.Combine(folder, "f.txt"), "x");
        var result = Node().Run(new WasiRun
        {
            WasmPath = dir.WriteModule(SetTimesAfterRenameWat), Args = ["t"], Preopens = [new Preopen(folder, "/data")], Timeout = TimeSpan.FromSeconds(60),
        });
        Assert.Equal(0, result.ExitCode);
        // The renamed file (the descriptor's) got the time; the new f.txt kept its own.
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(folder, "g.txt")) < DateTime.UnixEpoch.AddSeconds(2));
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(folder, "f.txt")) > DateTime.UtcNow.AddHours(-1));
    }
}
