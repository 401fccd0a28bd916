using System.CommandLine;
using Wasipy.Cli;
using Wasipy.Cli.Commands;
using Wasipy.Exec;
using Wasipy.Pipeline;

namespace Wasipy.Tests.Exec;

/// <summary>The launcher reads an `exec` command line only when it reads it as the engine does; every other line is
/// the engine's.</summary>
public class ExecLineTests
{
    private static (BuildOptions Build, string[] Dirs, string[] Env, string[] EnvFiles, string[] Args, bool Timing, bool NoCwd, string Runtime) Engine(string[] args)
    {
        using var signals = new Signals(register: false, TimeSpan.FromSeconds(1), _ => { });
        var c = new CliContext(TextWriter.Null, TextWriter.Null, signals, new ConsoleReporter(TextWriter.Null, false), new CliOptions());
        var exec = ExecCommand.Create(c);
        var parse = new RootCommand { exec }.Parse(args);
        Assert.Empty(parse.Errors);
        return (c.Options.Read(parse, exec), parse.GetValue<string[]>("--dir") ?? [], parse.GetValue<string[]>("--env") ?? [],
            parse.GetValue<string[]>("--env-file") ?? [], parse.GetValue<string[]>("args") ?? [], parse.GetValue<bool>("--timing"),
            parse.GetValue<bool>("--no-cwd"), parse.GetValue<string>("--runtime")!);
    }

    [Theory]
    [InlineData("exec recipes/3.13.yaml")]
    [InlineData("exec recipes/3.13.yaml -- -c pass")]
    [InlineData("exec recipes/3.13.yaml --snapshot --timing -- -c pass")]
    [InlineData("exec --snapshot recipes/3.13.yaml --no-cwd -- script.py --snapshot -- x")]
    [InlineData("exec recipes/3.13.yaml --dir data::/data:ro --dir out --env A=1 --env B --env-file app.env -- -m json.tool")]
    [InlineData("exec recipes/3.13.yaml --with jinja2,idna --with msgpack --stdlib zip --toolchain debian --config wasipy.yaml --runtime wasmtime --")]
    public void A_line_the_launcher_reads_means_what_it_means_to_the_engine(string line)
    {
        var args = line.Split(' ');
        var launcher = ExecLine.Parse(args);
        var engine = Engine(args);

        Assert.NotNull(launcher);
        Assert.Equal("wasmtime", engine.Runtime);
        Assert.Equal(engine.Build.RecipePath, launcher.Request.RecipePath);
        Assert.Equal(engine.Build.ConfigPath, launcher.Request.ConfigPath);
        Assert.Equal(engine.Build.StdlibMode, launcher.Request.StdlibMode);
        Assert.Equal(engine.Build.Snapshot == true, launcher.Request.Snapshot);
        Assert.Equal(engine.Build.Toolchain, launcher.Request.Toolchain);
        Assert.Equal(engine.Build.With, launcher.Request.With);
        Assert.Null(engine.Build.AppDir);
        Assert.Null(engine.Build.AppMain);
        Assert.Equal(engine.Dirs, launcher.Dirs);
        Assert.Equal(engine.Env, launcher.Env);
        Assert.Equal(engine.EnvFiles, launcher.EnvFiles);
        Assert.Equal(engine.Args, launcher.PythonArgs);
        Assert.Equal(engine.Timing, launcher.Timing);
        Assert.Equal(engine.NoCwd, launcher.NoCwd);
    }

    [Theory]
    [InlineData("exec recipes/3.13.yaml --runtime node -- -c pass")]
    [InlineData("exec recipes/3.13.yaml --app app -- -c pass")]
    [InlineData("exec recipes/3.13.yaml --app-main tool")]
    [InlineData("exec recipes/3.13.yaml --help")]
    [InlineData("exec recipes/3.13.yaml --verbose -- -c pass")]
    [InlineData("exec recipes/3.13.yaml --stdlib=zip -- -c pass")]
    [InlineData("exec recipes/3.13.yaml --stdlib zip --stdlib packed")]
    [InlineData("exec recipes/3.13.yaml --snapshot true")]
    [InlineData("exec recipes/3.13.yaml script.py")]
    [InlineData("exec @options.rsp")]
    [InlineData("exec -- -c pass")]
    [InlineData("exec recipes/3.13.yaml --dir")]
    [InlineData("exec recipes/3.13.yaml --env -x")]
    [InlineData("run recipes/3.13.yaml")]
    public void Any_other_line_is_left_to_the_engine(string line) => Assert.Null(ExecLine.Parse(line.Split(' ')));
}
