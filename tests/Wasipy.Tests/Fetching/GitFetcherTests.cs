using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Fetching;

/// <summary>Git sources against repositories the test makes itself (file:// urls, and a mirror laid out by host and path).</summary>
public class GitFetcherTests
{
    private static async Task<string> Sh(string command, string cwd)
    {
        var (exit, output) = await ShellRunner.CaptureAsync(command, cwd, CancellationToken.None);
        Assert.True(exit == 0, output);
        return output.Trim();
    }

    private const string Identity = "git -c user.name=t -c user.email=t@t -c protocol.file.allow=always";

    /// <summary>lib.git (one commit) and app.git, whose commit pins lib as the submodule vendor/lib; returns app's commit.</summary>
    private static async Task<string> MakeRepositories(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "lib"));
        await Sh($"git init -q && echo lib > lib.txt && git add . && {Identity} commit -qm lib", Path.Combine(root, "lib"));
        Directory.CreateDirectory(Path.Combine(root, "app"));
        await Sh($"git init -q && echo app > app.txt && {Identity} submodule add -q {root}/lib vendor/lib && git add . && {Identity} commit -qm app", Path.Combine(root, "app"));
        foreach (var repo in new[] { "lib", "app" })
            await Sh($"git clone -q --bare {repo} {repo}.git && git -C {repo}.git config uploadpack.allowAnySHA1InWant true", root);
        // The submodule's url in .gitmodules points at the bare copy, as an upstream would.
        await Sh($"git config -f .gitmodules submodule.vendor/lib.url file://{root}/lib.git && git add .gitmodules && {Identity} commit -qm url && " +
                 "git push -q ../app.git HEAD:refs/heads/main", Path.Combine(root, "app"));
        return await Sh("git rev-parse HEAD", Path.Combine(root, "app"));
    }

    [Fact]
    public async Task A_commit_and_its_submodule_are_fetched_once_then_reused()
    {
        using var dir = new TempDir();
        var commit = await MakeRepositories(dir.Combine("repos"));
        var source = new GitSource($"file://{dir.Combine("repos", "app.git")}", commit, ["vendor/lib"]);
        var log = new List<string>();

        var checkout = await GitFetcher.FetchAsync(source, dir.Combine("downloads"), [], log.Add, CancellationToken.None);
        var again = await GitFetcher.FetchAsync(source, dir.Combine("downloads"), [], log.Add, CancellationToken.None);

        Assert.Equal(checkout, again);
        Assert.Equal("app", File.ReadAllText(Path.Combine(checkout, "app.txt")).Trim());
        Assert.Equal("lib", File.ReadAllText(Path.Combine(checkout, "vendor", "lib", "lib.txt")).Trim());
        Assert.Single(log, l => l.StartsWith("fetching", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("using cached checkout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_commit_the_repository_does_not_have_fails_with_a_message()
    {
        using var dir = new TempDir();
        await MakeRepositories(dir.Combine("repos"));
        var source = new GitSource($"file://{dir.Combine("repos", "app.git")}", new string('a', 40), []);

        var e = await Assert.ThrowsAsync<WasipyException>(() => GitFetcher.FetchAsync(source, dir.Combine("downloads"), [], _ => { }, CancellationToken.None));

        Assert.Contains($"could not fetch file://{dir.Combine("repos", "app.git")} at commit {new string('a', 40)}", e.Message);
        Assert.Contains("git fetch exited with", e.Message);
        Assert.False(Directory.Exists(dir.Combine("downloads", "git")) && Directory.EnumerateFileSystemEntries(dir.Combine("downloads", "git"), "*", SearchOption.AllDirectories).Any(p => p.Contains(".part-")));
    }

    [Fact]
    public async Task A_submodule_the_commit_does_not_have_fails_and_leaves_nothing_cached()
    {
        using var dir = new TempDir();
        var commit = await MakeRepositories(dir.Combine("repos"));
        var source = new GitSource($"file://{dir.Combine("repos", "app.git")}", commit, ["vendor/missing"]);

        var e = await Assert.ThrowsAsync<WasipyException>(() => GitFetcher.FetchAsync(source, dir.Combine("downloads"), [], _ => { }, CancellationToken.None));

        Assert.Contains("git submodule exited with", e.Message);
        Assert.False(Directory.Exists(GitFetcher.CachePath(source, dir.Combine("downloads"))));
    }

    [Fact]
    public async Task A_mirror_laid_out_by_host_and_path_is_used_instead_of_the_upstream_url()
    {
        using var dir = new TempDir();
        var commit = await MakeRepositories(dir.Combine("repos"));
        var mirror = dir.Combine("mirror");
        Directory.CreateDirectory(Path.Combine(mirror, "example.invalid", "team"));
        await Sh($"cp -a {dir.Combine("repos", "app.git")} {Path.Combine(mirror, "example.invalid", "team", "app.git")}", dir.Path);
        // The upstream host does not exist: only the mirror can answer.
        var source = new GitSource("https://example.invalid/team/app.git", commit, []);
        var log = new List<string>();

        var checkout = await GitFetcher.FetchAsync(source, dir.Combine("downloads"), [mirror], log.Add, CancellationToken.None);

        Assert.Equal("app", File.ReadAllText(Path.Combine(checkout, "app.txt")).Trim());
        Assert.Contains(log, l => l.Contains($"from mirror {mirror}"));
    }

    [Fact]
    public async Task A_repository_larger_than_the_size_limit_is_refused_and_nothing_is_kept()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("big");
        Directory.CreateDirectory(repo);
        await Sh($"git init -q && head -c 3000000 /dev/urandom > blob && git add . && {Identity} commit -qm big && git config uploadpack.allowAnySHA1InWant true", repo);
        var commit = await Sh("git rev-parse HEAD", repo);
        var source = new GitSource($"file://{repo}", commit, []);

        var e = await Assert.ThrowsAsync<WasipyException>(() => GitFetcher.FetchAsync(source, dir.Combine("downloads"), [], _ => { }, CancellationToken.None,
            new GitLimits(TimeSpan.FromSeconds(60), 1_000_000)).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("more than 1000000 bytes (downloads.max_bytes)", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Combine("downloads", "git", "local")));
    }

    [Fact]
    public async Task A_git_server_that_trickles_is_stopped_at_the_attempt_deadline()
    {
        using var dir = new TempDir();
        using var trickle = new HostileServer(HostileServer.Behaviour.Trickle);
        var source = new GitSource(trickle.BaseUrl + "team/app.git", new string('a', 40), []);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<WasipyException>(() => GitFetcher.FetchAsync(source, dir.Combine("downloads"), [], _ => { }, CancellationToken.None,
            new GitLimits(TimeSpan.FromSeconds(2), 1L << 30)).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("git took longer than 2s in all (downloads.attempt_timeout_seconds)", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Combine("downloads", "git", "127.0.0.1")));
    }
}
