using Wasipy.Errors;
using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

public class GuestContextTests
{
    private const string Prefix = "/opt/wasi-python";

    private static GuestContext Create(GuestContextOptions options, Func<string, string?>? host = null) =>
        GuestContext.Create(options, Prefix, host ?? (_ => null));

    [Fact]
    public void The_working_directory_is_mapped_at_its_own_absolute_path_and_named_by_PWD()
    {
        using var dir = new TempDir();
        var context = Create(new GuestContextOptions { WorkingDirectory = dir.Path });
        Assert.Equal([new Preopen(dir.Path, dir.Path)], context.Folders);
        Assert.Equal(dir.Path, context.Environment["PWD"]);
    }

    [Fact]
    public void A_sealed_run_maps_nothing_and_passes_no_variable()
    {
        var context = Create(new GuestContextOptions());
        Assert.Empty(context.Folders);
        Assert.Empty(context.Environment);
    }

    [Fact]
    public void A_dir_maps_the_host_folder_at_the_guest_path_read_only_where_asked()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("data"));
        Directory.CreateDirectory(dir.Combine("out"));
        var context = Create(new GuestContextOptions { WorkingDirectory = dir.Path, Dirs = ["data::/srv/data:ro", "out", $"{dir.Path}/data::/copy"] });
        Assert.Equal([
            new Preopen(dir.Path, dir.Path),
            new Preopen(dir.Combine("data"), "/srv/data", ReadOnly: true),
            new Preopen(dir.Combine("out"), dir.Combine("out")),
            new Preopen(dir.Combine("data"), "/copy"),
        ], context.Folders);
    }

    [Fact]
    public void A_dir_at_the_working_directory_replaces_it_so_that_dot_ro_makes_it_read_only()
    {
        using var dir = new TempDir();
        var context = Create(new GuestContextOptions { WorkingDirectory = dir.Path, Dirs = [".:ro"] });
        Assert.Equal([new Preopen(dir.Path, dir.Path, ReadOnly: true)], context.Folders);
    }

    [Theory]
    [InlineData("data::/opt/wasi-python", "is inside /opt/wasi-python")]
    [InlineData("data::/opt/wasi-python/lib/", "is inside /opt/wasi-python")]
    [InlineData("data::relative/path", "must be absolute")]
    [InlineData("missing", "does not exist")]
    [InlineData("file.txt", "is not a folder")]
    [InlineData("::/x", "no host folder")]
    [InlineData("data::/a:ro", null)]
    public void A_dir_that_would_hide_the_standard_library_or_names_no_folder_is_refused_before_running(string spec, string? problem)
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("data"));
        dir.File("file.txt", "x");
        var options = new GuestContextOptions { WorkingDirectory = dir.Path, Dirs = [spec] };
        if (problem is null)
        {
            Assert.Equal(2, Create(options).Folders.Count);
            return;
        }
        var e = Assert.Throws<WasipyException>(() => Create(options));
        Assert.Equal(2, e.ExitCode);
        Assert.StartsWith($"--dir {spec}: ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Two_folders_at_one_guest_path_are_refused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("a"));
        Directory.CreateDirectory(dir.Combine("b"));
        var e = Assert.Throws<WasipyException>(() => Create(new GuestContextOptions { Dirs = [$"{dir.Path}/a::/x", $"{dir.Path}/b::/x"] }));
        Assert.Contains("/x is mapped twice", e.Message);
    }

    [Fact]
    public void A_working_directory_inside_the_install_prefix_is_refused_with_what_to_do()
    {
        var e = Assert.Throws<WasipyException>(() => Create(new GuestContextOptions { WorkingDirectory = "/opt/wasi-python/bin" }));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("--no-cwd", e.Message);
    }

    [Fact]
    public void Variables_come_from_env_files_then_env_options_and_a_bare_name_takes_this_shells_value()
    {
        using var dir = new TempDir();
        var file = dir.File("app.env", "# settings\n\nMODE=file\nGREETING=hello world\nQUOTED=\"kept as is\"\r\n");
        var context = Create(new GuestContextOptions { EnvFiles = [file], Env = ["MODE=option", "EMPTY=", "FROM_HOST"] },
            name => name == "FROM_HOST" ? "host value" : null);
        Assert.Equal(new Dictionary<string, string>
        {
            ["MODE"] = "option", ["GREETING"] = "hello world", ["QUOTED"] = "\"kept as is\"", ["EMPTY"] = "", ["FROM_HOST"] = "host value",
        }, context.Environment);
    }

    [Theory]
    [InlineData("NOT_SET_HERE", "NOT_SET_HERE is not set here")]
    [InlineData("1ABC=x", "'1ABC' is not a variable name")]
    [InlineData("=x", "'' is not a variable name")]
    [InlineData("A-B=x", "'A-B' is not a variable name")]
    public void A_bad_env_option_is_refused_with_what_to_write(string spec, string problem)
    {
        var e = Assert.Throws<WasipyException>(() => Create(new GuestContextOptions { Env = [spec] }));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_bad_line_in_an_env_file_is_named_by_file_and_line()
    {
        using var dir = new TempDir();
        var file = dir.File("bad.env", "A=1\n# fine\nexport B=2\n");
        var e = Assert.Throws<WasipyException>(() => Create(new GuestContextOptions { EnvFiles = [file] }));
        Assert.Equal(2, e.ExitCode);
        Assert.StartsWith($"{file}(3): 'export B' is not a variable name", e.Message);

        var missing = Assert.Throws<WasipyException>(() => Create(new GuestContextOptions { EnvFiles = [dir.Combine("none.env")] }));
        Assert.Contains("file not found", missing.Message);
    }

    [Fact]
    public void The_users_variables_win_over_the_interpreters_default_and_the_user_folders_follow_the_prefix()
    {
        var python = new PythonInstall("/nowhere/python.wasm", "/host/prefix", Prefix);
        var recorder = new RecordingHost();
        var context = new GuestContext([new Preopen("/host/work", "/host/work")], new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "", ["A"] = "1" });
        python.Run(recorder, ["-c", "pass"], context: context);
        var run = recorder.Runs.Single();
        Assert.Equal([new Preopen("/host/prefix", Prefix), new Preopen("/host/work", "/host/work")], run.Preopens);
        Assert.Equal(new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "", ["A"] = "1" }, run.Environment);
    }

    private sealed class RecordingHost : IWasiHost
    {
        public List<WasiRun> Runs { get; } = [];
        public WasiResult Run(WasiRun run) { Runs.Add(run); return new WasiResult(0, "", "", null); }
        public void Dispose() { }
    }
}
