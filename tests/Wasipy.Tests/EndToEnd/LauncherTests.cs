using CliWrap;
using CliWrap.Buffered;
using Wasipy.Tests.Support;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// `./wasipy exec` as a user types it: the launcher (a native program `./wasipy` publishes on first need) runs a
/// remembered python.wasm itself, and must do exactly what the engine does (WASIPY_LAUNCHER=off runs the engine):
/// the same output, exit codes, refusals, read-only folders, links and variables. A command line it does not read
/// goes to the engine unchanged. CPython 3.13.15, normal and snapshot.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class LauncherTests(CPythonBuilds builds, ITestOutputHelper output)
{
    private static readonly string Recipe = CPythonBuilds.Recipe("3.13.yaml");
    private static readonly string Script = Path.Combine(RepoRoot.Path, "wasipy");
    private static readonly SemaphoreSlim Ready = new(1, 1);
    private const string EngineRan = "wasipy test: the engine ran";

    /// <summary>A folder with a `dotnet` that only says it ran: first on PATH, it shows whether a run that the
    /// launcher should have answered went to the engine (which `./wasipy` starts with dotnet).</summary>
    private static readonly string NoEngine = MakeNoEngine();

    private static string MakeNoEngine()
    {
        var dir = Directory.CreateTempSubdirectory("wasipy-no-engine-").FullName;
        var dotnet = Path.Combine(dir, "dotnet");
        File.WriteAllText(dotnet, $"#!/bin/sh\necho '{EngineRan}' >&2\nexit 97\n");
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return dir;
    }
    private static bool _ready;

    private sealed record Run(int ExitCode, string Stdout, string Stderr, string Path);

    /// <summary>Both builds, the launcher published, both targets remembered and compiled (the first exec of each
    /// goes to the engine, which works them out).</summary>
    private async Task ReadyAsync()
    {
        await Ready.WaitAsync(TimeSpan.FromMinutes(60));
        try
        {
            if (_ready) return;
            await builds.BuildAsync(Recipe, output);
            await builds.BuildAsync(Recipe, output, null, "--snapshot");
            using var dir = new TempDir();
            foreach (var snapshot in new[] { false, true })
                for (var i = 0; i < 2; i++)
                    Assert.Equal(0, (await RawAsync(dir.Path, [.. snapshot ? new[] { "--snapshot" } : [], "--", "-c", "pass"], null, TimeSpan.FromMinutes(15))).ExitCode);
            // ./wasipy falls back to the engine silently when the launcher cannot be published: say why here.
            var failed = Path.Combine(RepoRoot.Path, ".cache", "launcher-failed.log");
            Assert.False(File.Exists(failed), File.Exists(failed) ? $"the launcher could not be published:\n{File.ReadAllText(failed)}" : "");
            _ready = true;
        }
        finally { Ready.Release(); }
    }

    private static async Task<BufferedCommandResult> RawAsync(string folder, IEnumerable<string> arguments, string? launcher, TimeSpan limit,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["WASIPY_LAUNCHER"] = launcher, ["WASIPY_STARTED"] = null };
        using var cancel = new CancellationTokenSource(limit);
        return await CliWrap.Cli.Wrap(Script).WithArguments(["exec", Recipe, .. arguments]).WithWorkingDirectory(folder)
            .WithEnvironmentVariables(variables).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancel.Token);
    }

    /// <summary>`./wasipy exec RECIPE --timing ARGS`, by the launcher or (engine) by the engine; the timing lines say
    /// which ran it and are taken out of stderr.</summary>
    private async Task<Run> ExecAsync(string folder, IEnumerable<string> arguments, bool engine = false, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await ReadyAsync();
        var result = await RawAsync(folder, ["--timing", .. arguments], engine ? "off" : null, TimeSpan.FromMinutes(3), environment);
        output.WriteLine($"{(engine ? "engine" : "./wasipy")}: exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
        var lines = result.StandardError.Split('\n').ToList();
        var path = lines.FirstOrDefault(l => l.StartsWith("wasipy: launcher: ", StringComparison.Ordinal)) is not null ? "launcher"
            : lines.FirstOrDefault(l => l.StartsWith("wasipy: engine: ", StringComparison.Ordinal)) is not null ? "engine" : "none";
        var stderr = string.Join('\n', lines.Where(l => !l.StartsWith("wasipy: guest time ", StringComparison.Ordinal)
                                                          && !l.StartsWith("wasipy: launcher: ", StringComparison.Ordinal)
                                                          && !l.StartsWith("wasipy: engine: ", StringComparison.Ordinal)));
        return new Run(result.ExitCode, result.StandardOutput, stderr, path);
    }

    /// <summary>The same command line by the launcher and by the engine: the launcher ran it, and both did the same.</summary>
    private async Task<Run> BothAsync(string folder, string[] arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var withoutEngine = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["PATH"] = $"{NoEngine}:{Environment.GetEnvironmentVariable("PATH")}",
        };
        var launcher = await ExecAsync(folder, arguments, engine: false, withoutEngine);
        var engine = await ExecAsync(folder, arguments, engine: true, environment);
        Assert.DoesNotContain(EngineRan, launcher.Stderr);
        Assert.NotEqual("engine", launcher.Path);
        Assert.Equal(engine.Path == "none" ? "none" : "launcher", launcher.Path);   // no timing lines when refused before python runs
        Assert.Equal(engine with { Path = "" }, launcher with { Path = "" });
        return launcher;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_launcher_runs_a_script_with_its_arguments_files_and_exit_codes_as_the_engine_does(bool snapshot)
    {
        using var dir = new TempDir();
        dir.File("hello.py", "import os, sys\nprint('args', sys.argv[1:], os.getcwd() == os.environ['PWD'], sorted(os.listdir('.')))\n" +
                             "open('out/total.txt', 'w').write(str(sum(int(x) for x in open('data/numbers.csv').read().split(','))))\n");
        dir.File("data/numbers.csv", "1,2,3,36");
        dir.File("fail.py", "import sys\n\ndef check(n):\n    if n > 2:\n        raise ValueError(f'too big: {n}')\n\nif len(sys.argv) > 1:\n    sys.exit(int(sys.argv[1]))\ncheck(3)\n");
        Directory.CreateDirectory(dir.Combine("out"));
        string[] mode = snapshot ? ["--snapshot"] : [];

        var hello = await BothAsync(dir.Path, [.. mode, "--", "hello.py", "one", "two words"]);
        var failed = await BothAsync(dir.Path, [.. mode, "--", "fail.py"]);
        var exited = await BothAsync(dir.Path, [.. mode, "--", "fail.py", "7"]);
        var stdin = await ExecAsync(dir.Path, [.. mode, "--", "-c", "import sys; print(sys.stdin.read() == '')"]);

        Assert.Equal("args ['one', 'two words'] True ['data', 'fail.py', 'hello.py', 'out']\n", hello.Stdout);
        Assert.Equal("42", File.ReadAllText(dir.Combine("out", "total.txt")));
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains($"File \"{dir.Path}/fail.py\", line 5, in check", failed.Stderr);
        Assert.EndsWith("ValueError: too big: 3\n", failed.Stderr);
        Assert.Equal(7, exited.ExitCode);
        Assert.Equal(("launcher", "True\n"), (stdin.Path, stdin.Stdout));
    }

    [Fact]
    public async Task The_launcher_refuses_a_bad_dir_with_exit_2_and_the_engines_message_before_python_runs()
    {
        using var dir = new TempDir();

        var hidden = await BothAsync(dir.Path, ["--dir", $"{dir.Path}::/opt/wasi-python/lib", "--", "-c", "open('ran', 'w')"]);
        var missing = await BothAsync(dir.Path, ["--dir", "no-such-folder", "--", "-c", "open('ran', 'w')"]);
        var twice = await BothAsync(dir.Path, ["--dir", $"{dir.Path}::/data", "--dir", $"{dir.Path}::/data", "--", "-c", "open('ran', 'w')"]);
        var variable = await BothAsync(dir.Path, ["--env", "1X=2", "--", "-c", "open('ran', 'w')"]);

        Assert.Equal((2, $"wasipy: --dir {dir.Path}::/opt/wasi-python/lib: /opt/wasi-python/lib is inside /opt/wasi-python, where python.wasm finds its standard library; map it somewhere else with --dir HOST::GUEST\n"),
            (hidden.ExitCode, hidden.Stderr));
        Assert.Equal((2, $"wasipy: --dir no-such-folder: {dir.Path}/no-such-folder does not exist\n"), (missing.ExitCode, missing.Stderr));
        Assert.Equal(2, twice.ExitCode);
        Assert.Equal(2, variable.ExitCode);
        Assert.StartsWith("wasipy: --env 1X=2: '1X' is not a variable name", variable.Stderr);
        Assert.False(File.Exists(dir.Combine("ran")));
    }

    [Fact]
    public async Task Under_the_launcher_a_read_only_dir_refuses_writes_and_a_link_out_of_a_mapped_folder_is_not_followed()
    {
        using var dir = new TempDir();
        using var data = new TempDir();
        data.File("in.txt", "input");
        File.CreateSymbolicLink(dir.Combine("outside"), data.Path);
        dir.File("sub/inner.txt", "inner");
        File.CreateSymbolicLink(dir.Combine("alias"), "sub");
        const string program = """
            import errno, os
            print(open("/data/in.txt").read(), open("alias/inner.txt").read())
            for what, attempt in [("write", lambda: open("/data/new.txt", "w")), ("append", lambda: open("/data/in.txt", "a")),
                                  ("mkdir", lambda: os.mkdir("/data/sub")), ("remove", lambda: os.remove("/data/in.txt")),
                                  ("rename", lambda: os.rename("/data/in.txt", "/data/moved.txt")), ("follow", lambda: open("outside/in.txt")),
                                  ("here", lambda: open("written.txt", "w").write("ok"))]:
                try:
                    attempt()
                    print(what, "allowed")
                except OSError as e:
                    print(what, errno.errorcode[e.errno])
            """;

        var result = await BothAsync(dir.Path, ["--dir", $"{data.Path}::/data:ro", "--", "-c", program]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("input inner", lines[0]);
        foreach (var what in new[] { "write", "append", "mkdir", "remove", "rename" })
            Assert.Matches($"^{what} (EROFS|EACCES|EPERM|ENOTCAPABLE)$", lines.Single(l => l.StartsWith(what + " ", StringComparison.Ordinal)));
        Assert.Matches("^follow (EPERM|ENOTCAPABLE)$", lines.Single(l => l.StartsWith("follow ", StringComparison.Ordinal)));
        Assert.Equal("here allowed", lines[^1]);
        Assert.Equal(["in.txt"], Directory.GetFileSystemEntries(data.Path).Select(Path.GetFileName));
        Assert.Equal("ok", File.ReadAllText(dir.Combine("written.txt")));
    }

    [Fact]
    public async Task Under_the_launcher_only_the_variables_asked_for_reach_python_and_no_cwd_hides_the_folder()
    {
        using var dir = new TempDir();
        dir.File("app.env", "# for the app\nFROM_FILE=file value\nMODE=file\n");
        const string program = "import os; print(sorted(k for k in os.environ if k not in ('PWD', 'PYTHONDONTWRITEBYTECODE')), " +
                               "os.environ.get('MODE'), os.environ.get('FROM_SHELL'), os.getcwd())";
        var shell = new Dictionary<string, string?> { ["FROM_SHELL"] = "shell value", ["WASIPY_HOST_ONLY"] = "must not leak" };

        var mapped = await BothAsync(dir.Path, ["--env-file", "app.env", "--env", "MODE=option", "--env", "FROM_SHELL", "--", "-c", program], shell);
        var sealedRun = await BothAsync(dir.Path, ["--snapshot", "--no-cwd", "--", "-c", program], shell);

        Assert.Equal($"['FROM_FILE', 'FROM_SHELL', 'MODE'] option shell value {dir.Path}\n", mapped.Stdout);
        Assert.Equal("[] None None /\n", sealedRun.Stdout);
    }

    [Fact]
    public async Task A_command_line_the_launcher_does_not_read_runs_in_the_engine_as_before()
    {
        using var dir = new TempDir();

        var node = await ExecAsync(dir.Path, ["--runtime", "node", "--", "-c", "print('under node')"]);
        var unbuilt = await ExecAsync(dir.Path, ["--stdlib", "zip", "--", "-c", "pass"]);
        var unbuiltByEngine = await ExecAsync(dir.Path, ["--stdlib", "zip", "--", "-c", "pass"], engine: true);
        var oddLine = await ExecAsync(dir.Path, ["--dir=x", "--no-such-option"]);
        var oddLineByEngine = await ExecAsync(dir.Path, ["--dir=x", "--no-such-option"], engine: true);

        Assert.Equal(("engine", 0, "under node\n"), (node.Path, node.ExitCode, node.Stdout));
        Assert.Equal(unbuiltByEngine, unbuilt);
        Assert.NotEqual(0, unbuilt.ExitCode);
        Assert.Contains("build it first", unbuilt.Stderr);
        Assert.Equal(oddLineByEngine, oddLine);
        Assert.Equal((2, $"wasipy: --dir x: {dir.Path}/x does not exist\n"), (oddLine.ExitCode, oddLine.Stderr));
    }
}
