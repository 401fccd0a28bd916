using CliWrap;
using CliWrap.Buffered;
using Wasipy.Tests.Support;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// `wasipy exec` as a user runs it: the engine started as its own process in the user's folder, on both hosts, with
/// a script, data and output files there, more folders (`--dir`, read-only), variables (`--env`, `--env-file`) and a
/// sealed run (`--no-cwd`). Python 3.11.2 is the same version as Debian's /usr/bin/python3, so a traceback and an
/// exit status can be compared with native python's to the byte.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class ExecTests(CPythonBuilds builds, ITestOutputHelper output)
{
    private static readonly string Recipe = CPythonBuilds.Recipe("3.11.yaml");
    private static readonly string Engine = typeof(Wasipy.Cli.WasipyCli).Assembly.Location;

    private const string Hello = """
        import os, sys
        print("args", sys.argv[1:])
        print("cwd", os.getcwd() == os.environ["PWD"], sorted(os.listdir(".")))
        print("main", __file__)
        with open("data/numbers.csv") as f:
            total = sum(int(x) for x in f.read().split(","))
        with open("out/total.txt", "w") as f:
            f.write(f"{total}\n")
        print("total", total)
        """;

    private async Task<BufferedCommandResult> ExecAsync(string folder, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await builds.BuildAsync(Recipe, output);
        var result = await CliWrap.Cli.Wrap("dotnet").WithArguments([Engine, "exec", Recipe, .. arguments]).WithWorkingDirectory(folder)
            .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>())
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token);
        output.WriteLine($"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
        return result;
    }

    [Theory]
    [InlineData("wasmtime")]
    [InlineData("node")]
    public async Task A_script_in_the_working_directory_runs_with_its_arguments_reads_a_file_beside_it_and_writes_one_the_host_sees(string runtime)
    {
        using var dir = new TempDir();
        dir.File("hello.py", Hello);
        dir.File("data/numbers.csv", "1,2,3,36");
        Directory.CreateDirectory(dir.Combine("out"));

        var result = await ExecAsync(dir.Path, ["--runtime", runtime, "--", "hello.py", "one", "two words"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Join('\n',
            "args ['one', 'two words']",
            "cwd True ['data', 'hello.py', 'out']",
            $"main {dir.Path}/hello.py",
            "total 42", ""), result.StandardOutput);
        Assert.Equal("42\n", File.ReadAllText(dir.Combine("out", "total.txt")));
    }

    [Theory]
    [InlineData("wasmtime")]
    [InlineData("node")]
    public async Task A_failing_script_exits_and_prints_its_traceback_as_native_python_does(string runtime)
    {
        using var dir = new TempDir();
        dir.File("fail.py", "import sys\n\ndef check(n):\n    if n > 2:\n        raise ValueError(f'too big: {n}')\n\nif len(sys.argv) > 1:\n    sys.exit(int(sys.argv[1]))\ncheck(3)\n");

        var native = await CliWrap.Cli.Wrap("/usr/bin/python3").WithArguments(["fail.py"]).WithWorkingDirectory(dir.Path)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.Contains("3.11", (await CliWrap.Cli.Wrap("/usr/bin/python3").WithArguments(["--version"]).ExecuteBufferedAsync()).StandardOutput);
        var wasm = await ExecAsync(dir.Path, ["--runtime", runtime, "--", "fail.py"]);

        Assert.Equal(1, native.ExitCode);
        Assert.Equal(native.ExitCode, wasm.ExitCode);
        Assert.Contains($"File \"{dir.Path}/fail.py\", line 5, in check", native.StandardError);
        Assert.Equal(native.StandardError, wasm.StandardError);
        Assert.Equal(7, (await ExecAsync(dir.Path, ["--runtime", runtime, "--", "fail.py", "7"])).ExitCode);
    }

    [Theory]
    [InlineData("wasmtime")]
    [InlineData("node")]
    public async Task A_read_only_dir_can_be_read_but_not_written_and_a_link_out_of_a_mapped_folder_is_not_followed(string runtime)
    {
        using var dir = new TempDir();
        using var data = new TempDir();
        data.File("in.txt", "input");
        File.CreateSymbolicLink(dir.Combine("outside"), data.Path);     // a link in the working directory to a folder outside it
        dir.File("sub/inner.txt", "inner");
        File.CreateSymbolicLink(dir.Combine("alias"), "sub");            // and one that stays inside
        const string program = """
            import errno, os
            print(open("/data/in.txt").read(), open("alias/inner.txt").read())
            for what, attempt in [("write", lambda: open("/data/new.txt", "w")), ("append", lambda: open("/data/in.txt", "a")),
                                  ("mkdir", lambda: os.mkdir("/data/sub")), ("remove", lambda: os.remove("/data/in.txt")),
                                  ("rename", lambda: os.rename("/data/in.txt", "/data/moved.txt")), ("follow", lambda: open("outside/in.txt"))]:
                try:
                    attempt()
                    print(what, "allowed")
                except OSError as e:
                    print(what, errno.errorcode[e.errno])
            """;

        var result = await ExecAsync(dir.Path, ["--runtime", runtime, "--dir", $"{data.Path}::/data:ro", "--", "-c", program]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("input inner", lines[0]);
        foreach (var what in new[] { "write", "append", "mkdir", "remove", "rename" })
            Assert.Matches($"^{what} (EROFS|EACCES|EPERM|ENOTCAPABLE)$", lines.Single(l => l.StartsWith(what + " ", StringComparison.Ordinal)));
        Assert.Matches("^follow (EPERM|ENOTCAPABLE)$", lines.Single(l => l.StartsWith("follow ", StringComparison.Ordinal)));
        Assert.Equal(["in.txt"], Directory.GetFileSystemEntries(data.Path).Select(Path.GetFileName));
        Assert.Equal("input", File.ReadAllText(data.Combine("in.txt")));
    }

    [Theory]
    [InlineData("wasmtime")]
    [InlineData("node")]
    public async Task Only_the_variables_asked_for_reach_python_and_no_cwd_hides_the_folder(string runtime)
    {
        using var dir = new TempDir();
        dir.File("hello.py", "print('reachable')");
        var envFile = dir.File("app.env", "# for the app\nFROM_FILE=file value\nMODE=file\n");
        const string program = "import os; print(sorted(k for k in os.environ if k not in ('PWD', 'PYTHONDONTWRITEBYTECODE')), " +
                               "os.environ.get('MODE'), os.environ.get('FROM_SHELL'), os.getcwd(), os.path.exists('hello.py'))";
        var shell = new Dictionary<string, string?> { ["FROM_SHELL"] = "shell value", ["WASIPY_HOST_ONLY"] = "must not leak" };

        var mapped = await ExecAsync(dir.Path, ["--runtime", runtime, "--env-file", "app.env", "--env", "MODE=option", "--env", "FROM_SHELL", "--", "-c", program], shell);
        var sealedRun = await ExecAsync(dir.Path, ["--runtime", runtime, "--no-cwd", "--", "-c", program], shell);
        var script = await ExecAsync(dir.Path, ["--runtime", runtime, "--no-cwd", "--", "hello.py"]);

        Assert.Equal($"['FROM_FILE', 'FROM_SHELL', 'MODE'] option shell value {dir.Path} True\n", mapped.StandardOutput);
        Assert.Equal("[] None None / False\n", sealedRun.StandardOutput);
        Assert.Equal(2, script.ExitCode);
        Assert.Contains("can't open file", script.StandardError);
        Assert.True(File.Exists(envFile));
    }

    [Fact]
    public async Task A_dir_that_would_hide_the_standard_library_or_does_not_exist_stops_before_python_runs()
    {
        using var dir = new TempDir();
        var hidden = await ExecAsync(dir.Path, ["--dir", $"{dir.Path}::/opt/wasi-python/lib", "--", "-c", "open('ran', 'w')"]);
        var missing = await ExecAsync(dir.Path, ["--dir", "no-such-folder", "--", "-c", "open('ran', 'w')"]);

        Assert.Equal(2, hidden.ExitCode);
        Assert.Equal($"wasipy: --dir {dir.Path}::/opt/wasi-python/lib: /opt/wasi-python/lib is inside /opt/wasi-python, where python.wasm finds its standard library; map it somewhere else with --dir HOST::GUEST\n", hidden.StandardError);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal($"wasipy: --dir no-such-folder: {dir.Path}/no-such-folder does not exist\n", missing.StandardError);
        Assert.False(File.Exists(dir.Combine("ran")));
    }
}
