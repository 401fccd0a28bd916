using CliWrap;
using CliWrap.Buffered;
using Wasipy.Errors;
using Wasipy.Processes;

namespace Wasipy.Fetching;

/// <summary>A source in a git repository, pinned by its full commit id (and, through the parent tree, its submodules').</summary>
public sealed record GitSource(string Url, string Commit, IReadOnlyList<string> Submodules);

/// <summary>How long one git attempt may take in all, and how many bytes its checkout may have (downloads: in wasipy.yaml).</summary>
public sealed record GitLimits(TimeSpan AttemptTimeout, long MaxBytes)
{
    public static GitLimits Default { get; } = new(TimeSpan.FromSeconds(900), 1L << 30);
}

/// <summary>
/// Fetches one commit (shallow) and the submodules it pins into the download cache, once: a second build finds the
/// checkout there and fetches nothing. Mirror folders laid out as DIR/HOST/PATH (e.g. DIR/github.com/numpy/numpy.git)
/// are tried first, through git's own url rewriting, so the recipe keeps naming the real upstream url.
/// </summary>
public static class GitFetcher
{
    private const string Complete = ".wasipy-complete";

    public static string CachePath(GitSource git, string downloadDir)
    {
        var uri = new Uri(git.Url);
        var path = uri.AbsolutePath.Trim('/');
        if (path.EndsWith(".git", StringComparison.Ordinal)) path = path[..^4];
        return Path.Combine(downloadDir, "git", uri.IsFile ? "local" : uri.Host, path.Replace('/', '_') + "@" + git.Commit);
    }

    public static async Task<string> FetchAsync(GitSource git, string downloadDir, IReadOnlyList<string> mirrors, Action<string> log, CancellationToken cancellation,
        GitLimits? limits = null)
    {
        limits ??= GitLimits.Default;
        var target = CachePath(git, downloadDir);
        if (File.Exists(Path.Combine(target, Complete)))
        {
            log($"using cached checkout {target} ({git.Commit})");
            return target;
        }
        var uri = new Uri(git.Url);
        var attempts = mirrors.Where(m => !uri.IsFile && Directory.Exists(Path.Combine(m, uri.Host)))
            .Select(m => (What: $"mirror {m}", Config: (IReadOnlyList<(string, string)>)[($"url.file://{Path.GetFullPath(m)}/{uri.Host}/.insteadOf", $"https://{uri.Host}/")]))
            .Append((What: git.Url, Config: []))
            .ToList();
        var failures = new List<string>();
        foreach (var (what, config) in attempts)
        {
            var temp = $"{target}.part-{Guid.NewGuid():N}";
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            attempt.CancelAfter(limits.AttemptTimeout);
            var tooBig = false;
            using var watch = new Timer(_ =>
            {
                if (tooBig || SizeOf(temp) <= limits.MaxBytes) return;
                tooBig = true;
                try { attempt.Cancel(); }
                catch (ObjectDisposedException) { }   // the attempt is over
            }, null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
            try
            {
                log($"fetching {git.Url} at {git.Commit} from {what}");
                try
                {
                    await CheckoutAsync(git, temp, config, log, attempt.Token);
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    throw new GitFailure(tooBig
                        ? $"the checkout grew to more than {limits.MaxBytes} bytes (downloads.max_bytes); git was stopped and its files deleted"
                        : $"git took longer than {limits.AttemptTimeout.TotalSeconds:0.#}s in all (downloads.attempt_timeout_seconds)");
                }
                if (SizeOf(temp) > limits.MaxBytes)
                    throw new GitFailure($"the checkout has more than {limits.MaxBytes} bytes (downloads.max_bytes); its files were deleted");
                File.WriteAllText(Path.Combine(temp, Complete), git.Commit + "\n");
                if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                Directory.Move(temp, target);
                return target;
            }
            catch (GitFailure e)
            {
                failures.Add($"{what}: {e.Message}");
                log($"  failed: {e.Message}");
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
        }
        throw new WasipyException($"could not fetch {git.Url} at commit {git.Commit}:\n  {string.Join("\n  ", failures)}\n" +
                                  "Pass --mirror DIR with a copy laid out as DIR/HOST/PATH, or check the url and the commit id.");
    }

    private static async Task CheckoutAsync(GitSource git, string dir, IReadOnlyList<(string Key, string Value)> config, Action<string> log, CancellationToken cancellation)
    {
        Directory.CreateDirectory(dir);
        var settings = config.Append(("protocol.file.allow", "always")).Append(("advice.detachedHead", "false"))
            .Append(("http.lowSpeedLimit", "1")).Append(("http.lowSpeedTime", "60")).ToList();
        var env = new Dictionary<string, string?>
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_COUNT"] = settings.Count.ToString(),
        };
        for (var i = 0; i < settings.Count; i++)
        {
            env[$"GIT_CONFIG_KEY_{i}"] = settings[i].Item1;
            env[$"GIT_CONFIG_VALUE_{i}"] = settings[i].Item2;
        }
        async Task<string> Git(params string[] args)
        {
            var result = await ProcessGroup.RunAsync(ProcessGroup.Command("git", args).WithWorkingDirectory(dir).WithEnvironmentVariables(env),
                (c, t) => c.ExecuteBufferedAsync(t), cancellation);
            log($"$ git {string.Join(' ', args)}\n{result.StandardOutput}{result.StandardError}".TrimEnd());
            if (result.ExitCode != 0)
                throw new GitFailure($"git {args[0]} exited with {result.ExitCode}: {LastLine(result.StandardError)}");
            return result.StandardOutput.Trim();
        }
        await Git("init", "-q");
        await Git("fetch", "-q", "--depth", "1", git.Url, git.Commit);
        await Git("checkout", "-q", "--detach", "FETCH_HEAD");
        var head = await Git("rev-parse", "HEAD");
        if (head != git.Commit) throw new GitFailure($"the fetched commit is {head}, not {git.Commit}");
        foreach (var submodule in git.Submodules)
        {
            // The parent tree pins each submodule's commit; git fetches exactly that one and checks it.
            await Git("submodule", "update", "--init", "--depth", "1", "--", submodule);
            var sub = Path.Combine(dir, submodule);
            if (!Directory.Exists(sub) || !Directory.EnumerateFileSystemEntries(sub).Any())
                throw new GitFailure($"submodule {submodule} is empty after the update: is it a submodule of this commit?");
        }
        // A committed link may point anywhere (an absolute path, or out through other links): the checkout is
        // refused as an archive with such a link is, before anything copies or builds from it.
        if (Sources.SafeTree.FirstEscapingLink(dir, cancellation, rel => rel == ".git" || rel.EndsWith("/.git", StringComparison.Ordinal)) is var (link, target))
            throw new WasipyException($"{git.Url} at {git.Commit}: '{link}' is a link to '{target}', which leaves the checkout; " +
                                      "wasipy never follows a link out of a source tree, so this source is not safe to build");
    }

    /// <summary>The bytes of the regular files under <paramref name="dir"/> (links are not followed).</summary>
    private static long SizeOf(string dir)
    {
        try
        {
            return new DirectoryInfo(dir).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true })
                .Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n').LastOrDefault()?.Trim() ?? "";

    private sealed class GitFailure(string message) : Exception(message);
}
