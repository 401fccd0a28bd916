using Wasipy.Processes;
using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// recipes/3.13-threads.yaml: CPython 3.13 for wasm32-wasi-threads, whose threading.Thread runs on a real thread under
/// both hosts (the engine's Wasmtime runner and Node with @emnapi/wasi-threads), and the hosts' own behaviour with
/// small C programs built with the same toolchain: a trap, an exit or a deadlock in a thread ends the run.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class ThreadsTests(CPythonBuilds builds, ITestOutputHelper output)
{
    /// <summary>`wasipy run recipes/3.13-threads.yaml [options]`, from the offline mirror when it is there.</summary>
    private Task<BuiltPython.Built> BuildAsync(params string[] options) =>
        builds.BuildAsync("3.13-threads.yaml", output, null,
            [.. Directory.Exists(CPythonBuilds.Mirror) ? ["--mirror", CPythonBuilds.Mirror] : Array.Empty<string>(), .. options]);

    private static IEnumerable<IWasiHost> Hosts(BuiltPython.Built built, CPythonBuilds builds) =>
        [builds.Wasmtime, WasiHosts.Create(WasiHosts.Node, built.Session.Dirs.ModuleCache, built.Session.Config.Root)];

    private const string Pipeline = """
        import threading, queue, sys
        from concurrent.futures import ThreadPoolExecutor
        jobs, done = queue.Queue(), queue.Queue()
        def worker():
            while (n := jobs.get()) is not None:
                done.put((threading.get_ident(), n * n))
            print('worker', threading.current_thread().name, 'done', flush=True)
        threads = [threading.Thread(target=worker, name=f'w{i}') for i in range(4)]
        for t in threads: t.start()
        for n in range(1000): jobs.put(n)
        for t in threads: jobs.put(None)
        for t in threads: t.join(30)
        results = [done.get() for _ in range(1000)]
        assert sorted(r for _, r in results) == [n * n for n in range(1000)]
        with ThreadPoolExecutor(4) as pool:
            squares = list(pool.map(lambda n: n * n, range(100)))
        print(len(results), squares[-1], sys.thread_info.name, 'wasi-threads' in sys.version)
        """;

    [FullTierFact]
    public async Task Four_threads_hand_work_through_queues_under_both_hosts_and_the_build_says_it_has_threads()
    {
        var built = await BuildAsync();
        Assert.EndsWith(Path.Combine("build", "3.13.15-threads"), built.Session.Dirs.Build);
        foreach (var host in Hosts(built, builds))
        {
            var result = built.Python.Run(host, ["-c", Pipeline], timeout: TimeSpan.FromSeconds(120));
            output.WriteLine($"{host.GetType().Name}: {result.Stdout}{result.Stderr}{result.Trap}");
            Assert.True(result.Succeeded, result.Stderr + result.Trap);
            var lines = result.Stdout.Trim().Split('\n');
            Assert.Equal(4, lines.Count(l => l.StartsWith("worker w", StringComparison.Ordinal)));   // print from every thread
            Assert.Equal("1000 9801 pthread True", lines[^1]);
        }
    }

    // A thread that starts a thread (concurrent.futures, test_capi's pending calls, any worker that spawns helpers).
    private const string Nested = """
        import threading
        ran = []
        def inner(): ran.append('inner')
        def outer():
            t = threading.Thread(target=inner); t.start(); t.join(30); ran.append('outer')
        t = threading.Thread(target=outer); t.start(); t.join(30)
        print(ran, t.is_alive())
        """;

    [FullTierFact]
    public async Task A_thread_started_by_another_thread_runs_under_both_hosts()
    {
        var built = await BuildAsync();
        foreach (var host in Hosts(built, builds))
        {
            // Under Node the guest main thread used to own every thread's Worker: blocked in wasm, it never answered
            // a thread's request for a new one, and the run waited until its time limit.
            var result = built.Python.Run(host, ["-c", Nested], timeout: TimeSpan.FromSeconds(60));
            output.WriteLine($"{host.GetType().Name}: {result.Stdout}{result.Stderr}{result.Trap}");
            Assert.True(result.Succeeded, result.Stderr + result.Trap);
            Assert.Equal("['inner', 'outer'] False", result.Stdout.Trim());
        }
    }

    [FullTierFact]
    public async Task A_deadlock_between_threads_ends_at_the_time_limit_with_a_message_under_both_hosts()
    {
        var built = await BuildAsync();
        const string deadlock = """
            import threading
            a, b = threading.Lock(), threading.Lock()
            both = threading.Barrier(2)       # each thread holds its first lock before it asks for the other's
            def one():
                with a:
                    both.wait()
                    with b: pass
            def two():
                with b:
                    both.wait()
                    with a: pass
            ts = [threading.Thread(target=one), threading.Thread(target=two)]
            for t in ts: t.start()
            for t in ts: t.join()
            """;
        foreach (var host in Hosts(built, builds))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = built.Python.Run(host, ["-c", deadlock], timeout: TimeSpan.FromSeconds(10));
            Assert.False(result.Succeeded);
            Assert.Contains("timed out after 10s", result.Trap);
            Assert.Matches(@"guest threads still running: main, \d+, \d+$", result.Trap);   // the two deadlocked threads
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{host.GetType().Name} took {clock.Elapsed}");
        }
    }

    [FullTierFact]
    public async Task A_thread_that_aborts_or_exits_ends_the_whole_run_while_the_main_thread_waits()
    {
        var built = await BuildAsync();
        foreach (var host in Hosts(built, builds))
        {
            var abort = built.Python.Run(host, ["-c", "import os, threading, time; threading.Thread(target=os.abort).start(); time.sleep(60)"],
                timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(128, abort.ExitCode);
            Assert.Contains("unreachable", abort.Trap);

            var exit = built.Python.Run(host, ["-c", "import os, threading; e = threading.Event(); threading.Thread(target=os._exit, args=(7,)).start(); e.wait()"],
                timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(7, exit.ExitCode);
        }
    }

    // A file main opened, read from another thread; a file a thread opened, read by main; a log file that eight
    // threads write to (logging's FileHandler holds one descriptor).
    private const string SharedFiles = """
        import os, threading, logging
        fd = os.open('/data/shared.txt', os.O_RDONLY)
        seen = []
        def work():
            try:
                seen.append(os.read(fd, 5).decode())
                with open('/data/from-thread.txt', 'w') as f: f.write('written by a thread')
            except OSError as e:
                seen.append(e.errno)
        t = threading.Thread(target=work); t.start(); t.join(10)
        print(seen)
        logging.basicConfig(filename='/data/log.txt', level=logging.INFO, format='%(message)s')
        ts = [threading.Thread(target=logging.info, args=(f'from {i}',)) for i in range(8)]
        for t in ts: t.start()
        for t in ts: t.join(10)
        logging.shutdown()
        print(open('/data/from-thread.txt').read(), sorted(open('/data/log.txt').read().split('\n')[:-1]))
        """;

    [FullTierFact]
    public async Task Every_thread_uses_one_table_of_open_files_under_both_hosts()
    {
        var built = await BuildAsync();
        foreach (var host in Hosts(built, builds))
        {
            using var dir = new TempDir();
            dir.File("shared.txt", "hello");
            var result = host.Run(new WasiRun
            {
                WasmPath = built.Python.WasmPath, Args = ["python", "-c", SharedFiles], Preopens = [new Preopen(dir.Path, "/data")],
                Timeout = TimeSpan.FromSeconds(60),
            });
            // Under Node each thread had its own table: [8] (EBADF) and a traceback from logging's handler.
            Assert.True(result.Succeeded, $"{host.GetType().Name}: {result.Stderr}{result.Trap}");
            Assert.Equal("['hello']\nwritten by a thread " + string.Join(", ", Enumerable.Range(0, 8).Select(i => $"'from {i}'")).Insert(0, "[") + "]",
                result.Stdout.Trim());
        }
    }

    [FullTierFact]
    public async Task C_and_Cxx_extension_packages_build_for_the_threads_build_and_run_in_threads_under_both_hosts()
    {
        var built = await BuildAsync("--with", "pyyaml,markupsafe,jinja2,numpy,msgpack");
        const string program = """
            import threading, yaml, jinja2, markupsafe, msgpack
            out = []
            def work(i):
                d = yaml.load(yaml.dump({'n': i, 's': 'x' * i}, Dumper=yaml.CDumper), Loader=yaml.CLoader)
                d = msgpack.unpackb(msgpack.packb(d))
                out.append(jinja2.Template('{{ n }}:{{ s|length }}').render(**d))
            ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
            for t in ts: t.start()
            for t in ts: t.join(30)
            print(sorted(out), yaml.__with_libyaml__, markupsafe.escape('<a>'), msgpack.Packer.__module__)
            """;
        // Each thread does its own linalg, fft and random work; the results must be those of one thread alone.
        const string numpyInThreads = """
            import threading, numpy as np
            def work(seed):
                rng = np.random.default_rng(seed)
                a = rng.normal(size=(60, 60))
                return (round(float(np.linalg.det(a @ a.T + np.eye(60))), 6), round(float(abs(np.fft.fft(a[0])).sum()), 9),
                        np.linalg.solve(a + 60 * np.eye(60), np.ones(60)).round(12).tolist())
            alone = [work(seed) for seed in range(4)]
            together = [None] * 4
            def run(seed):
                for _ in range(5): together[seed] = work(seed)
            ts = [threading.Thread(target=run, args=(seed,)) for seed in range(4)]
            for t in ts: t.start()
            for t in ts: t.join(120)
            assert together == alone, 'results differ between threads'
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(4) as pool:
                assert list(pool.map(work, range(4))) == alone, 'results differ in the thread pool'
            print('numpy in 4 threads: equal', len(alone))
            """;
        foreach (var host in Hosts(built, builds))
        {
            var result = built.Python.Run(host, ["-c", program], timeout: TimeSpan.FromSeconds(120));
            Assert.True(result.Succeeded, result.Stderr + result.Trap);
            Assert.Equal("['0:0', '1:1', '2:2', '3:3'] True &lt;a&gt; msgpack._cmsgpack", result.Stdout.Trim());
            var numpy = built.Python.Run(host, ["-c", numpyInThreads], timeout: TimeSpan.FromSeconds(300));
            Assert.True(numpy.Succeeded, $"{host.GetType().Name}: {numpy.Stderr}{numpy.Trap}");
            Assert.Equal("numpy in 4 threads: equal 4", numpy.Stdout.Trim());
        }
        // The packages' own checks, which the smoke test ran under the engine's runner, under Node too.
        using var node = WasiHosts.Create(WasiHosts.Node, built.Session.Dirs.ModuleCache, built.Session.Config.Root);
        foreach (var check in built.Session.Packages.SelectMany(p => p.Recipe.Package!.Checks))
        {
            var result = built.Python.Run(node, ["-c", check], timeout: TimeSpan.FromSeconds(300));
            Assert.True(result.Succeeded, $"{check}: {result.Stderr}{result.Trap}");
        }
    }

    [FullTierFact]
    public async Task The_regression_tests_for_threads_run_with_the_build_tree_interpreter()
    {
        await BuildAsync();
        var stdout = new StringWriter();
        string[] args = ["test", CPythonBuilds.Recipe("3.13-threads.yaml"), "test_thread", "test_queue"];
        var exit = await Wasipy.Cli.WasipyCli.RunAsync(args, stdout, new StringWriter());
        output.WriteLine(stdout.ToString());
        Assert.True(exit == 0, stdout.ToString());
        Assert.Contains("regrtest: 2 passed, 0 failed", stdout.ToString());
    }
}
