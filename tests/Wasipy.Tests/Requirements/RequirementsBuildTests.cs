using System.Runtime.InteropServices;
using Wasipy.Cli;
using Wasipy.Requirements;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Requirements;

/// <summary>
/// Requirements through the real pipeline's packages step and the real host pip (Debian's /usr/bin/python3), offline:
/// every wheel comes from a folder the test writes (--no-index --find-links). No CPython is built: the packages step
/// only merges what pip installed into packages/site.
/// </summary>
public class RequirementsBuildTests
{
    private sealed record Project(TempDir Dir, string Recipe, string Wheels, string RequirementsFile)
    {
        public string Lock => Path.ChangeExtension(RequirementsFile, ".lock.json");
        public string Site => Dir.Combine("build", "3.11", "packages", "site");
        public string Installed => Dir.Combine("build", "3.11", "packages", "requirements");
        public string Store => Dir.Combine("downloads", "wheels");

        public async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] more) =>
            await Wasipy(["run", Recipe, "--requirements", RequirementsFile, "--no-index", "--find-links", Wheels, .. more]);

        public static async Task<(int Exit, string Stdout, string Stderr)> Wasipy(string[] args)
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var exit = await WasipyCli.RunAsync(args, stdout, stderr).WaitAsync(limit.Token);
            return (exit, stdout.ToString(), stderr.ToString());
        }
    }

    private static Project Make(string requirements)
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: packages
                uses: packages
            """));
        // A recipe package with C code and a pure one: they provide their names, never pip.
        dir.File("recipes/packages/fastnum.yaml", "name: fastnum\nversion: \"1.0\"\ninputs: [fastnum.yaml]\nbuild: [\"true\"]\nmodules:\n  fastnum: PyInit_fastnum\nsite: [\"{{ pkg.src }}\"]\n");
        dir.File("recipes/packages/pureone.yaml",
            "name: pureone\nversion: \"2.0\"\ninputs: [pureone.yaml]\nfiles:\n  - path: pureone/__init__.py\n    content: \"VALUE = 2\"\nsite: [\"{{ pkg.src }}/pureone\"]\n");
        var wheels = dir.Combine("wheels");
        Wheelhouse.Wheel(wheels, "alpha", "1.0", ["beta>=1"]);
        Wheelhouse.Wheel(wheels, "beta", "1.0", []);
        Wheelhouse.Wheel(wheels, "beta", "2.0", []);
        return new Project(dir, dir.File("recipes/3.11.yaml", Samples.Recipe), wheels, dir.File("app/requirements.txt", requirements));
    }

    [Fact]
    public async Task Requirements_resolve_with_their_dependencies_into_a_lock_and_install_into_site_packages()
    {
        var p = Make("alpha\n");
        using var _ = p.Dir;

        var (exit, stdout, stderr) = await p.RunAsync();

        Assert.True(exit == 0, stdout + stderr);
        var text = File.ReadAllText(p.Lock);
        Assert.Contains("\"file\": \"alpha-1.0-py3-none-any.whl\"", text);
        Assert.Contains("\"file\": \"beta-2.0-py3-none-any.whl\"", text);
        Assert.Contains($"\"sha256\": \"{Wasipy.Caching.ContentHash.OfFile(Path.Combine(p.Wheels, "beta-2.0-py3-none-any.whl"))}\"", text);
        Assert.Equal("VALUE = '2.0'", File.ReadAllText(Path.Combine(p.Site, "beta.py")).Trim());
        Assert.True(File.Exists(Path.Combine(p.Site, "alpha.py")));
        Assert.True(Directory.Exists(Path.Combine(p.Site, "alpha-1.0.dist-info")));
        Assert.Contains("packages: requirements", stdout);
    }

    [Fact]
    public async Task An_unchanged_lock_runs_nothing_and_a_lost_install_comes_back_from_the_lock_without_any_index()
    {
        var p = Make("alpha\n");
        using var _ = p.Dir;
        Assert.Equal(0, (await p.RunAsync()).Exit);
        var locked = File.ReadAllText(p.Lock);

        var again = await p.RunAsync();
        Assert.Contains("(0 step(s) run", again.Stdout);

        // No wheelhouse and no index at all: the lock and the download cache are enough.
        Directory.Delete(p.Wheels, recursive: true);
        Directory.Delete(p.Installed, recursive: true);
        var (exit, stdout, stderr) = await Project.Wasipy(["run", p.Recipe, "--requirements", p.RequirementsFile, "--no-index"]);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(locked, File.ReadAllText(p.Lock));
        Assert.True(File.Exists(Path.Combine(p.Site, "beta.py")));
    }

    [Fact]
    public async Task A_changed_requirement_resolves_again_and_plan_and_why_name_it()
    {
        var p = Make("alpha\n");
        using var _ = p.Dir;
        Assert.Equal(0, (await p.RunAsync()).Exit);
        File.WriteAllText(p.RequirementsFile, "alpha\nbeta==1.0\n");

        var plan = await Project.Wasipy(["plan", p.Recipe, "--requirements", p.RequirementsFile]);
        Assert.Matches(@"packages: requirements\s+run\s+\(requirements\[1\] added", plan.Stdout);
        Assert.Equal(0, (await p.RunAsync()).Exit);
        Assert.Contains("beta-1.0-py3-none-any.whl", File.ReadAllText(p.Lock));
        var why = await Project.Wasipy(["why", p.Recipe, "packages: requirements", "--requirements", p.RequirementsFile]);
        Assert.Contains("requirements[1]", why.Stdout);
        Assert.Contains("beta==1.0", why.Stdout);
    }

    [Fact]
    public async Task Markers_of_dependencies_are_evaluated_for_the_target_cpython_on_wasi()
    {
        var p = Make("marked\n");
        using var _ = p.Dir;
        var recipe = p.Dir.File("recipes/3.13.yaml", Samples.Recipe.Replace("version: 3.11.2", "version: 3.13.1"));
        Wheelhouse.Wheel(p.Wheels, "marked", "1.0", ["beta; python_version >= \"3.12\"", "gamma; python_version < \"3.12\"",
            "wasidep; sys_platform == \"wasi\"", "linuxdep; sys_platform == \"linux\""]);
        foreach (var name in new[] { "gamma", "wasidep", "linuxdep" }) Wheelhouse.Wheel(p.Wheels, name, "1.0", []);

        var (exit, stdout, stderr) = await Project.Wasipy(["run", recipe, "--requirements", p.RequirementsFile, "--no-index", "--find-links", p.Wheels]);

        Assert.True(exit == 0, stdout + stderr);
        var names = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(p.Lock), "\"name\": \"([^\"]+)\"").Select(m => m.Groups[1].Value);
        Assert.Equal(["beta", "marked", "wasidep"], names.Order());
        Assert.Contains("\"python\": \"3.13\"", File.ReadAllText(p.Lock));
    }

    [Fact]
    public async Task A_wheel_with_compiled_code_is_refused_by_name()
    {
        var p = Make("fastc\n");
        using var _ = p.Dir;
        var machine = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
        Wheelhouse.Wheel(p.Wheels, "fastc", "1.0", [], $"cp311-cp311-linux_{machine}");

        var (exit, stdout, stderr) = await p.RunAsync();

        Assert.Equal(1, exit);
        Assert.Contains("fastc has C extensions: write a package recipe (recipes/packages/fastc.yaml)", stdout + stderr);
        Assert.False(File.Exists(p.Lock));
    }

    [Fact]
    public async Task A_dynamic_build_installs_a_wheel_of_side_modules_and_a_static_build_refuses_it_naming_link_dynamic()
    {
        var p = Make("fastc\nfastnum\n");
        using var _ = p.Dir;
        foreach (var name in new[] { "fastc", "fastnum" })
            WheelWriter.Write(p.Wheels, name, "1.0", WheelWriter.Tag("3.11"),
                [($"{name}/__init__.py", p.Dir.File($"built/{name}/__init__.py", "from . import _speed\n")),
                 ($"{name}/_speed.cpython-311-wasm32-wasi.so", p.Dir.File($"built/{name}/_speed.so", "\0asm"))]);
        File.AppendAllText(p.Recipe, "\nlink: dynamic\n");

        var (exit, stdout, stderr) = await p.RunAsync();

        Assert.True(exit == 0, stdout + stderr);
        var site = p.Site;
        Assert.Equal("\0asm", File.ReadAllText(Path.Combine(site, "fastnum", "_speed.cpython-311-wasm32-wasi.so")));
        Assert.True(File.Exists(Path.Combine(site, "fastc", "_speed.cpython-311-wasm32-wasi.so")));
        Assert.Contains("fastnum-1.0-cp311-cp311-wasi_0_0_0_wasm32.whl", File.ReadAllText(p.Lock));

        // The same requirements in a static build: pip is not offered the wheel, and says why.
        File.WriteAllText(p.Recipe, File.ReadAllText(p.Recipe).Replace("\nlink: dynamic\n", "\n"));
        File.WriteAllText(p.RequirementsFile, "fastc\n");
        (exit, stdout, stderr) = await p.RunAsync();
        Assert.Equal(1, exit);
        Assert.Contains("fastc's wheel for cp311-cp311-wasi_0_0_0_wasm32 holds side modules, which only a link: dynamic build loads: build with --link dynamic", stdout + stderr);
    }

    [Theory]
    [InlineData("fastnum\n", "fastnum has C extensions: use `--with fastnum` (recipes/packages/fastnum.yaml) or write a package recipe")]
    [InlineData("pureone\n", "pureone is built from its package recipe, never by pip: use `--with pureone` (recipes/packages/pureone.yaml)")]
    public async Task A_requirement_that_a_package_recipe_provides_is_refused_without_that_recipe(string requirements, string message)
    {
        var p = Make(requirements);
        using var _ = p.Dir;
        var (exit, _, stderr) = await p.RunAsync();
        Assert.Equal(2, exit);
        Assert.Equal($"wasipy: {p.RequirementsFile}:1: {message}", stderr.Trim());
    }

    [Fact]
    public async Task A_requirement_a_recipe_in_the_build_provides_is_satisfied_by_it_and_its_version_must_agree()
    {
        var p = Make("usesone\n");
        using var _ = p.Dir;
        Wheelhouse.Wheel(p.Wheels, "usesone", "1.0", ["pureone>=2"]);
        Wheelhouse.Wheel(p.Wheels, "pureone", "9.0", []);   // pip must not take it: the recipe provides pureone

        var (exit, stdout, stderr) = await p.RunAsync("--with", "pureone");
        Assert.True(exit == 0, stdout + stderr);
        Assert.DoesNotContain("pureone", File.ReadAllText(p.Lock));
        Assert.Equal("VALUE = 2", File.ReadAllText(Path.Combine(p.Site, "pureone", "__init__.py")).Trim());

        File.WriteAllText(p.RequirementsFile, "pureone==1.0\n");
        var pinned = await p.RunAsync("--with", "pureone");
        Assert.Equal(2, pinned.Exit);
        Assert.Contains("asks for pureone 1.0, but recipes/packages/pureone.yaml builds 2.0; the versions must agree", pinned.Stderr);

        Wheelhouse.Wheel(p.Wheels, "needsold", "1.0", ["pureone<2"]);
        File.WriteAllText(p.RequirementsFile, "needsold\n");
        var conflict = await p.RunAsync("--with", "pureone");
        Assert.Equal(1, conflict.Exit);
        Assert.Contains("pip: the requirements conflict", conflict.Stdout + conflict.Stderr);
        Assert.Contains("the versions must agree", conflict.Stdout + conflict.Stderr);
    }

    [Fact]
    public async Task A_locked_wheel_that_changed_stops_the_build_naming_the_file()
    {
        var p = Make("alpha\n");
        using var _ = p.Dir;
        Assert.Equal(0, (await p.RunAsync()).Exit);
        var wheel = Path.Combine(p.Wheels, "beta-2.0-py3-none-any.whl");
        var bytes = File.ReadAllBytes(wheel);
        bytes[^1] ^= 1;   // one byte of the zip's end record: still the same name, another hash
        File.WriteAllBytes(wheel, bytes);
        File.Delete(Path.Combine(p.Store, "beta-2.0-py3-none-any.whl"));
        Directory.Delete(p.Installed, recursive: true);

        // Without the unit cache, which would restore the first run's verified install instead of installing again.
        var (exit, stdout, stderr) = await p.RunAsync("--no-cache");

        Assert.Equal(1, exit);
        Assert.Contains($"beta-2.0-py3-none-any.whl: its sha256 is {Wasipy.Caching.ContentHash.OfFile(wheel)}, but {p.Lock} locks", stdout + stderr);
        Assert.False(File.Exists(Path.Combine(p.Store, "beta-2.0-py3-none-any.whl")));
    }

    [Fact]
    public async Task An_unknown_package_is_pips_error_in_one_line_and_a_step_failure()
    {
        var p = Make("nosuchpkg\n");
        using var _ = p.Dir;
        var (exit, stdout, stderr) = await p.RunAsync();
        Assert.Equal(1, exit);
        Assert.Contains("pip: No matching distribution found for nosuchpkg", stderr);
        Assert.DoesNotContain("   at ", stdout + stderr);
        Assert.DoesNotContain("Exception", stdout + stderr);
    }

    [Theory]
    [InlineData("../evil.py", "its entry '../evil.py' leaves site-packages")]
    [InlineData("/tmp/evil.py", "its entry '/tmp/evil.py' has an absolute name")]
    public async Task A_wheel_whose_files_leave_site_packages_is_refused(string entry, string message)
    {
        var p = Make("evil\n");
        using var _ = p.Dir;
        Wheelhouse.Wheel(p.Wheels, "evil", "1.0", [], extraEntries: new Dictionary<string, string> { [entry] = "raise SystemExit('escaped')\n" });

        var (exit, stdout, stderr) = await p.RunAsync();

        Assert.Equal(1, exit);
        Assert.Contains($"evil-1.0-py3-none-any.whl: {message}", stdout + stderr);
        Assert.False(File.Exists(p.Lock));
        Assert.False(File.Exists(Path.Combine(p.Installed, "evil.py")));
        Assert.False(File.Exists("/tmp/evil.py") && File.ReadAllText("/tmp/evil.py").Contains("escaped"));
    }

    [Fact]
    public async Task A_wheel_holding_a_link_is_refused()
    {
        var p = Make("linky\n");
        using var _ = p.Dir;
        Wheelhouse.WheelWithLink(p.Wheels, "linky", "1.0");
        var (exit, stdout, stderr) = await p.RunAsync();
        Assert.Equal(1, exit);
        Assert.Contains("linky-1.0-py3-none-any.whl: its entry 'escape' is a symbolic link", stdout + stderr);
        Assert.False(Directory.Exists(Path.Combine(p.Installed, "site", "linky.py")));
    }

    [Fact]
    public async Task A_lock_that_is_not_one_is_bad_input()
    {
        var p = Make("alpha\n");
        using var _ = p.Dir;
        File.WriteAllText(p.Lock, "{\"python\": \"3.11\", \"requirements\": [\"alpha\"], \"wheels\": [{\"name\": \"alpha\", \"version\": \"1.0\", \"file\": \"../x.whl\", \"sha256\": \"00\"}]}");
        var (exit, _, stderr) = await p.RunAsync();
        Assert.Equal(2, exit);
        Assert.Contains($"{p.Lock}: not a wasipy lock", stderr);
        Assert.Contains("delete it to resolve the requirements again", stderr);
    }
}
