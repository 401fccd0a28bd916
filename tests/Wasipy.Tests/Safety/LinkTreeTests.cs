using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Wasipy.Caching;
using Wasipy.Cli;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Sources;
using Wasipy.Stdlib;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Safety;

/// <summary>
/// Issue #28, links: every tree wasipy unpacks, copies or hashes keeps its links inside. Each test makes its own
/// hostile tree beside an "outside" folder holding a secret, and checks that the secret is never copied, that the
/// refusal names the link, and that nothing takes long.
/// </summary>
public class LinkTreeTests
{
    private const string Secret = "outside-secret-7f3a";

    private static string Outside(TempDir dir)
    {
        dir.File("outside/secret.txt", Secret);
        return dir.Combine("outside");
    }

    private static async Task Sh(string command, string cwd)
    {
        var (exit, output) = await ShellRunner.CaptureAsync(command, cwd, CancellationToken.None);
        Assert.True(exit == 0, output);
    }

    private static bool HoldsSecret(string folder) =>
        Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Any(f => new FileInfo(f).LinkTarget is null && File.ReadAllText(f).Contains(Secret));

    [Theory]
    [InlineData("'pkg/a', type=tarfile.SYMTYPE, linkname='.'", "'pkg/b', type=tarfile.SYMTYPE, linkname='a/..'", "pkg/b")]
    [InlineData("'pkg/sub/l', type=tarfile.SYMTYPE, linkname='..'", "'pkg/esc', type=tarfile.SYMTYPE, linkname='sub/l/..'", "pkg/esc")]
    public async Task An_archive_link_that_resolves_outside_through_another_link_is_refused(string first, string second, string entry)
    {
        using var dir = new TempDir();
        Outside(dir);
        var script = dir.File("make.py", $"""
            import io, sys, tarfile
            def add(t, name, data=b'', **kw):
                i = tarfile.TarInfo(name); i.size = len(data)
                for k, v in kw.items(): setattr(i, k, v)
                t.addfile(i, io.BytesIO(data) if data else None)
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/README', b'hi')
                add(t, 'pkg/sub', type=tarfile.DIRTYPE)
                add(t, {first})
                add(t, {second})
            """);
        await Sh($"python3 {script} {dir.Combine("evil.tgz")}", dir.Path);
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<WasipyException>(() => ArchiveExtractor.Extract(dir.Combine("evil.tgz"), dir.Combine("out")));

        Assert.Contains($"entry '{entry}'", e.Message);
        Assert.Contains("not safe to unpack", e.Message);
        Assert.Single(e.Message.Split('\n'));
        Assert.False(Directory.Exists(dir.Combine("out")), "an unsafe tree is not left behind for a later step");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_site_folder_link_that_leaves_it_is_refused_and_nothing_outside_is_copied()
    {
        using var dir = new TempDir();
        var outside = Outside(dir);
        dir.File("src/mypkg/__init__.py", "X = 1\n");
        File.CreateSymbolicLink(dir.Combine("src", "mypkg", "data"), outside);
        File.CreateSymbolicLink(dir.Combine("src", "mypkg", "up"), "../../outside");

        var e = Assert.Throws<WasipyException>(() => FileSystem.CopyTree(dir.Combine("src", "mypkg"), dir.Combine("site", "mypkg")));

        Assert.Equal(2, e.ExitCode);
        Assert.Contains(dir.Combine("src", "mypkg", "data"), e.Message);
        Assert.Contains($"is a link to '{outside}', which leaves", e.Message);
        Assert.False(HoldsSecret(dir.Combine("site")));
        Assert.False(Directory.Exists(dir.Combine("site", "mypkg")), "the check comes before anything is written");
    }

    [Fact]
    public void A_link_that_stays_inside_is_copied_as_a_link_and_a_loop_of_dots_is_harmless()
    {
        using var dir = new TempDir();
        dir.File("tree/sub/a.txt", "a");
        File.CreateSymbolicLink(dir.Combine("tree", "to-a"), "sub/a.txt");
        File.CreateSymbolicLink(dir.Combine("tree", "sub", "up"), "..");
        File.CreateSymbolicLink(dir.Combine("tree", "self"), ".");
        File.CreateSymbolicLink(dir.Combine("tree", "dangling"), "sub/not-yet");

        FileSystem.CopyTree(dir.Combine("tree"), dir.Combine("copy"));

        Assert.Equal("sub/a.txt", new FileInfo(dir.Combine("copy", "to-a")).LinkTarget);
        Assert.Equal("..", new FileInfo(dir.Combine("copy", "sub", "up")).LinkTarget);
        Assert.Equal(".", new FileInfo(dir.Combine("copy", "self")).LinkTarget);
        Assert.Equal("sub/not-yet", new FileInfo(dir.Combine("copy", "dangling")).LinkTarget);
        Assert.Equal("a", File.ReadAllText(dir.Combine("copy", "to-a")));
    }

    /// <summary>A project whose pipeline copies the app folder into site-packages.</summary>
    private static (TempDir Dir, string Recipe) AppProject()
    {
        var dir = new TempDir();
        dir.File("project/wasipy.yaml", Samples.Project("""
              - name: packages
                uses: packages
            """));
        dir.File("project/app/main.py", "print('hi')\n");
        return (dir, dir.File("project/recipes/3.11.yaml", Samples.Recipe));
    }

    private static async Task<(int Exit, string Stderr)> Cli(params string[] args)
    {
        var stderr = new StringWriter();
        var exit = await WasipyCli.RunAsync(args, new StringWriter(), stderr).WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, stderr.ToString().Trim());
    }

    [Fact]
    public async Task An_app_folder_link_to_a_system_folder_is_refused_before_anything_is_copied()
    {
        var (dir, recipe) = AppProject();
        using var _ = dir;
        var outside = Outside(dir);
        File.CreateSymbolicLink(dir.Combine("project", "app", "etc"), outside);

        var (exit, stderr) = await Cli("run", recipe, "--app", dir.Combine("project", "app"));

        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n'));
        Assert.Contains($"etc is a link to '{outside}', which leaves the folder", stderr);
        Assert.False(HoldsSecret(dir.Combine("project", "build")));
    }

    [Fact]
    public async Task Two_links_to_dot_in_an_app_folder_are_planned_in_seconds_and_copied_as_links()
    {
        var (dir, recipe) = AppProject();
        using var _ = dir;
        File.CreateSymbolicLink(dir.Combine("project", "app", "a"), ".");
        File.CreateSymbolicLink(dir.Combine("project", "app", "b"), ".");
        var clock = Stopwatch.StartNew();

        var (planned, planErr) = await Cli("plan", recipe, "--app", dir.Combine("project", "app"));
        var (ran, runErr) = await Cli("run", recipe, "--app", dir.Combine("project", "app"));

        Assert.True(planned == 0, planErr);
        Assert.True(ran == 0, runErr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        var site = dir.Combine("project", "build", "3.11", "packages", "site");
        Assert.Equal(".", new FileInfo(Path.Combine(site, "a")).LinkTarget);
        Assert.Equal("print('hi')\n", File.ReadAllText(Path.Combine(site, "main.py")));
    }

    [Fact]
    public void A_file_edited_behind_a_link_does_not_change_the_hash_but_a_new_target_does()
    {
        using var dir = new TempDir();
        var outside = Outside(dir);
        dir.File("app/main.py", "x");
        File.CreateSymbolicLink(dir.Combine("app", "data"), outside);
        var before = ContentHash.OfPath(dir.Combine("app"));

        dir.File("outside/secret.txt", "edited behind the link");
        var afterEdit = ContentHash.OfPath(dir.Combine("app"));
        File.Delete(dir.Combine("app", "data"));
        File.CreateSymbolicLink(dir.Combine("app", "data"), dir.Combine("elsewhere"));
        var afterRetarget = ContentHash.OfPath(dir.Combine("app"));

        Assert.Equal(before, afterEdit);
        Assert.NotEqual(before, afterRetarget);
    }

    [Fact]
    public void A_folder_of_regular_files_hashes_exactly_as_before()
    {
        using var dir = new TempDir();
        dir.File("tree/b.txt", "bee");
        dir.File("tree/a/z.py", "zed");
        dir.File("tree/a.txt", "ay");
        dir.File("tree/.hidden", "h");
        dir.File("tree/.git/HEAD", "not hashed");
        Directory.CreateDirectory(dir.Combine("tree", "empty"));
        // The format since the first release: for each file in ordinal order of its relative path: path, NUL, bytes, NUL.
        var expected = new StringBuilder();
        foreach (var (path, content) in new[] { (".hidden", "h"), ("a.txt", "ay"), ("a/z.py", "zed"), ("b.txt", "bee") })
            expected.Append(path).Append('\0').Append(content).Append('\0');

        var hash = ContentHash.OfPath(dir.Combine("tree"));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(expected.ToString()))), hash);
    }

    [Fact]
    public async Task Hashing_a_tree_stops_at_cancellation()
    {
        using var dir = new TempDir();
        for (var i = 0; i < 200; i++) dir.File($"tree/d{i % 10}/f{i}.txt", new string('x', 1000));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var hashing = Task.Run(() => ContentHash.OfPath(dir.Combine("tree"), cancel.Token));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hashing.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_git_checkout_with_a_committed_link_to_an_absolute_path_is_refused()
    {
        using var dir = new TempDir();
        var outside = Outside(dir);
        Directory.CreateDirectory(dir.Combine("repo"));
        await Sh($"git init -q && echo hi > README && ln -s {outside} data && git add . && " +
                 "git -c user.name=t -c user.email=t@t commit -qm c && git rev-parse HEAD > ../commit", dir.Combine("repo"));
        var commit = File.ReadAllText(dir.Combine("commit")).Trim();
        var source = new GitSource($"file://{dir.Combine("repo")}", commit, []);

        var e = await Assert.ThrowsAsync<WasipyException>(() =>
            GitFetcher.FetchAsync(source, dir.Combine("downloads"), [], _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains($"'data' is a link to '{outside}', which leaves the checkout", e.Message);
        Assert.False(Directory.Exists(GitFetcher.CachePath(source, dir.Combine("downloads"))));
        Assert.False(HoldsSecret(dir.Combine("downloads")));
    }

    [Fact]
    public void A_stdlib_tree_link_out_of_the_folder_is_not_packed()
    {
        using var dir = new TempDir();
        var outside = Outside(dir);
        dir.File("lib/os.py", "import sys\n");
        File.CreateSymbolicLink(dir.Combine("lib", "secret.py"), Path.Combine(outside, "secret.txt"));

        var e = Assert.Throws<WasipyException>(() => VfsImage.Write(dir.Combine("lib"), "/lib", dir.Combine("image.bin")));

        Assert.Contains($"{dir.Combine("lib", "secret.py")} is a link to '{Path.Combine(outside, "secret.txt")}', which leaves the folder", e.Message);
        Assert.False(File.Exists(dir.Combine("image.bin")) && File.ReadAllText(dir.Combine("image.bin")).Contains(Secret));
    }
}
