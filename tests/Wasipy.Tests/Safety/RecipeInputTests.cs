using System.Diagnostics;
using Wasipy.Cli;
using Wasipy.Errors;
using Wasipy.Processes;
using Wasipy.Sources;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Safety;

/// <summary>
/// Issue #28, paths and special files: what a recipe names stays inside the project and is a regular file, checked
/// without opening it; YAML stays small after its aliases are expanded; messages are in user words. Every run has a
/// time-out, so a regression that blocks on a FIFO fails the test instead of hanging the suite.
/// </summary>
public class RecipeInputTests
{
    private const string Secret = "root:topsecret-hash-9c1e";

    private static async Task<(int Exit, string Stderr)> Cli(params string[] args)
    {
        var stderr = new StringWriter();
        var exit = await WasipyCli.RunAsync(args, new StringWriter(), stderr).WaitAsync(TimeSpan.FromSeconds(30));
        return (exit, stderr.ToString().Trim());
    }

    /// <summary>dir/project (wasipy.yaml, recipes/3.11.yaml with <paramref name="extra"/>) beside dir/outside/shadow.</summary>
    private static (TempDir Dir, string Recipe) Project(string extra = "")
    {
        var dir = new TempDir();
        dir.File("outside/shadow", Secret + "\nsecond: line\n");
        dir.File("project/wasipy.yaml", Samples.Project("""
              - name: only
                run: ["touch {{ dirs.project }}/ran"]
            """));
        return (dir, dir.File("project/recipes/3.11.yaml", Samples.Recipe + "\n" + extra));
    }

    private static void Mkfifo(string path)
    {
        var (exit, output) = ShellRunner.CaptureAsync($"mkfifo {path}", "/", CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exit == 0, output);
    }

    [Theory]
    [InlineData("libraries:\n  - recipe: ../../outside/shadow\n", "library recipe '../../outside/shadow' is outside the project folder")]
    [InlineData("libraries:\n  - recipe: /etc/shadow\n", "library recipe '/etc/shadow' is outside the project folder")]
    [InlineData("packages:\n  - recipe: ../../outside/shadow\n", "package recipe '../../outside/shadow' is outside the project folder")]
    [InlineData("patches: [../../outside/shadow]\n", "patch '../../outside/shadow' is outside the project folder")]
    [InlineData("app:\n  dir: ../../outside\n", "app.dir '../../outside' is outside the project folder")]
    public async Task A_recipe_path_outside_the_project_is_refused_without_printing_the_file(string extra, string message)
    {
        var (dir, recipe) = Project(extra);
        using var _ = dir;

        var (exit, stderr) = await Cli("plan", recipe);

        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n'));
        Assert.Contains(message, stderr);
        Assert.Contains("recipes/3.11.yaml(", stderr);
        Assert.DoesNotContain("topsecret", stderr);
        Assert.DoesNotContain("root", stderr);
    }

    [Fact]
    public async Task A_link_inside_the_project_that_leads_outside_is_refused_like_the_path_itself()
    {
        var (dir, recipe) = Project("libraries:\n  - recipe: libs/zlib.yaml\n");
        using var _ = dir;
        Directory.CreateDirectory(dir.Combine("project", "recipes", "libs"));
        File.CreateSymbolicLink(dir.Combine("project", "recipes", "libs", "zlib.yaml"), dir.Combine("outside", "shadow"));

        var (exit, stderr) = await Cli("plan", recipe);

        Assert.Equal(2, exit);
        Assert.Contains("library recipe 'libs/zlib.yaml' is outside the project folder", stderr);
        Assert.DoesNotContain("topsecret", stderr);
    }

    [Theory]
    [InlineData("libraries:\n  - recipe: zero.yaml\n", "zero.yaml", "/dev/zero")]
    [InlineData("libraries:\n  - recipe: libs/pipe.yaml\n", "libs/pipe.yaml", "fifo")]
    [InlineData("patches: [pipe.patch]\n", "pipe.patch", "fifo")]
    [InlineData("patches: [folder.patch]\n", "folder.patch", "folder")]
    public async Task A_fifo_device_or_folder_named_as_a_file_is_refused_without_opening_it(string extra, string name, string what)
    {
        var (dir, recipe) = Project(extra);
        using var _ = dir;
        var path = dir.Combine("project", "recipes", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (what == "fifo") Mkfifo(path);
        else if (what == "folder") Directory.CreateDirectory(path);
        var clock = Stopwatch.StartNew();

        var (exit, stderr) = await Cli("plan", recipe);

        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n'));
        Assert.Contains($"'{name}'", stderr);
        if (what == "fifo") Assert.Contains("is a FIFO, socket or device; wasipy reads only regular files", stderr);
        if (what == "folder") Assert.Contains("is a folder, not a file", stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_device_linked_into_the_project_as_a_library_recipe_is_refused_without_reading_it()
    {
        var (dir, recipe) = Project("libraries:\n  - recipe: zero.yaml\n");
        using var _ = dir;
        File.CreateSymbolicLink(dir.Combine("project", "recipes", "zero.yaml"), "/dev/zero");
        var before = GC.GetTotalAllocatedBytes();

        var (exit, stderr) = await Cli("plan", recipe);

        Assert.Equal(2, exit);
        Assert.Contains("library recipe 'zero.yaml' is outside the project folder", stderr);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 200_000_000, "nothing read from /dev/zero");
    }

    [Fact]
    public async Task A_fifo_as_the_recipe_or_as_a_library_input_is_a_message_not_a_hang()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("  - name: a\n    run: [\"true\"]"));
        Mkfifo(dir.Combine("recipe.yaml"));
        dir.File("libs/lib.yaml", "name: lib\nversion: '1'\ninputs: [pipe.c]\nbuild: [\"true\"]\n");
        Mkfifo(dir.Combine("libs", "pipe.c"));

        var (exit, stderr) = await Cli("plan", dir.Combine("recipe.yaml"));
        var input = Assert.Throws<Wasipy.Errors.ConfigException>(() => Wasipy.Recipes.RecipeLoader.LoadLibrary(dir.Combine("libs", "lib.yaml")));

        Assert.Equal(2, exit);
        Assert.Contains($"{dir.Combine("recipe.yaml")} is a FIFO, socket or device, not a YAML file", stderr);
        Assert.Contains("input 'pipe.c' is a FIFO, socket or device", input.Message);
        Assert.Equal(2, input.ExitCode);
    }

    [Fact]
    public async Task Nested_aliases_that_would_expand_to_hundreds_of_megabytes_are_refused_at_the_alias()
    {
        // The billion laughs: nine levels of ten aliases each, 10^9 values from a file of under 1 KiB.
        var yaml = "version: 3.11.2\nx0: &a0 [\"" + new string('l', 100) + "\"]\n";
        for (var i = 1; i <= 9; i++) yaml += $"x{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n";
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("  - name: a\n    run: [\"true\"]"));
        var recipe = dir.File("recipe.yaml", yaml);
        var clock = Stopwatch.StartNew();

        var (exit, stderr) = await Cli("plan", recipe);

        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n'));
        Assert.Matches(@"recipe\.yaml\((6|7|8),\d+\): with its aliases \(\*name\) expanded the file holds more than", stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_yaml_file_over_one_mebibyte_is_refused_and_a_few_aliases_are_fine()
    {
        using var dir = new TempDir();
        var big = dir.File("big.yaml", "version: 3.11.2\n# " + new string('x', 1_100_000) + "\n");
        var aliased = dir.File("aliased.yaml", Samples.Recipe.Replace("flags: [--disable-test-modules]", "flags: &f [--disable-test-modules]") + "\nregrtest:\n  tests: *f\n");

        var e = Assert.Throws<ConfigException>(() => Wasipy.Recipes.RecipeLoader.Load(big));
        var recipe = Wasipy.Recipes.RecipeLoader.Load(aliased);

        Assert.Equal((1, 1), (e.Line, e.Column));
        Assert.Contains("the file is larger than 1024 KiB", e.Message);
        Assert.Equal(["--disable-test-modules"], recipe.Regrtest.Tests);
    }

    [Theory]
    [InlineData("jobs: 99999999999999999999\n", "(1,7)", "this number is out of range here")]
    [InlineData("downloads: { retries: 99999999999 }\n", "(1,23)", "this number is out of range here")]
    [InlineData("downloads: 5\n", "(1,12)", "expected a mapping (key: value lines) here")]
    [InlineData("jobs: *nope\n", "(1,1)", "the alias *nope names no anchor (&nope) before it")]
    [InlineData("jobs: !!binary aGVsbG8=\n", "(1,7)", "the tag 'tag:yaml.org,2002:binary' is not supported here")]
    [InlineData("jobs: 2\njobs: 3\n", "(2,1)", "the key 'jobs' appears twice in this mapping")]
    public async Task Yaml_values_dotnet_cannot_take_are_described_in_yaml_words(string extra, string position, string message)
    {
        using var dir = new TempDir();
        var config = dir.File("wasipy.yaml", extra + Samples.Project("  - name: a\n    run: [\"true\"]"));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);

        var (exit, stderr) = await Cli("plan", recipe);

        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n'));
        Assert.StartsWith($"wasipy: {config}{position}: {message}", stderr);
        foreach (var dotnet in new[] { "UInt64", "Int32", "overflow", "Exception", "Invalid cast", "System.", "Wasipy.", "does not exists", "Encountered" })
            Assert.DoesNotContain(dotnet, stderr);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("gzip-garbage")]
    [InlineData("cut-tar")]
    [InlineData("cut-zip")]
    public async Task A_garbage_or_truncated_archive_names_the_file_to_delete_in_user_words(string kind)
    {
        using var dir = new TempDir();
        var archive = dir.Combine("x.tar.gz");
        var random = new Random(28);
        var noise = new byte[50_000];
        random.NextBytes(noise);
        switch (kind)
        {
            case "garbage": File.WriteAllBytes(archive, noise); break;
            case "gzip-garbage": File.WriteAllBytes(archive, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, .. noise]); break;
            default:
                var fmt = kind == "cut-zip" ? "zip" : "tar";
                var (made, output) = await ShellRunner.CaptureAsync(
                    $"python3 -c \"import os,sys,shutil; os.makedirs('t/pkg'); open('t/pkg/big','wb').write(os.urandom(300000)); shutil.make_archive('full', '{fmt}', 't')\"",
                    dir.Path, CancellationToken.None);
                Assert.True(made == 0, output);
                var bytes = File.ReadAllBytes(dir.Combine($"full.{fmt}"));
                File.WriteAllBytes(archive, bytes[..(bytes.Length * 2 / 3)]);
                break;
        }

        var extract = Assert.Throws<WasipyException>(() => ArchiveExtractor.Extract(archive, dir.Combine("out")));
        var date = Assert.Throws<WasipyException>(() => ArchiveExtractor.NewestEntryTime(archive));

        foreach (var e in new[] { extract, date })
        {
            Assert.StartsWith($"{archive} is truncated or corrupt (", e.Message);
            Assert.EndsWith("); delete it from the download cache and run again", e.Message);
            Assert.DoesNotContain("stream", e.Message);
            Assert.DoesNotContain("Unable", e.Message);
        }
    }
}
