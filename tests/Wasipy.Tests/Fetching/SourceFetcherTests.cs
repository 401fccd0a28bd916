using System.Security.Cryptography;
using System.Text;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Fetching;

public class SourceFetcherTests
{
    private static readonly byte[] Archive = Encoding.UTF8.GetBytes("pretend this is Python-3.11.2.tgz");
    private static readonly string ArchiveSha = Convert.ToHexStringLower(SHA256.HashData(Archive));
    private static readonly RetrySettings FastRetry = new(3, TimeSpan.FromMilliseconds(5));

    private static SourceFetcher Fetcher(TempDir dir, List<string>? log = null, params string[] mirrors) =>
        new(new HttpClient(), dir.Combine("downloads"), mirrors, FastRetry, line => log?.Add(line));

    private static FetchRequest Request(params string[] urls) => new(urls, ArchiveSha, "Python-3.11.2.tgz");

    [Fact]
    public async Task A_server_that_fails_twice_is_retried_until_the_download_succeeds()
    {
        using var dir = new TempDir();
        using var server = new FlakyServer((503, []), (503, []), (200, Archive));
        var log = new List<string>();

        var path = await Fetcher(dir, log).FetchAsync(Request(server.BaseUrl + "Python-3.11.2.tgz"), CancellationToken.None);

        Assert.Equal(3, server.Requests);
        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Equal(2, log.Count(l => l.Contains("retry")));
    }

    [Fact]
    public async Task A_wrong_sha256_is_refused_and_leaves_no_file_behind()
    {
        using var dir = new TempDir();
        using var server = new FlakyServer((200, Encoding.UTF8.GetBytes("tampered")));

        var e = await Assert.ThrowsAsync<WasipyException>(() =>
            Fetcher(dir).FetchAsync(Request(server.BaseUrl + "Python-3.11.2.tgz"), CancellationToken.None));

        Assert.Contains("sha256 mismatch", e.Message);
        Assert.Contains("--mirror", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Combine("downloads")));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_missing_file_is_not_retried_and_the_next_url_is_tried()
    {
        using var dir = new TempDir();
        using var missing = new FlakyServer((404, []));
        using var mirror = new FlakyServer((200, Archive));

        var path = await Fetcher(dir).FetchAsync(Request(missing.BaseUrl + "a.tgz", mirror.BaseUrl + "b.tgz"), CancellationToken.None);

        Assert.Equal(1, missing.Requests);
        Assert.Equal(1, mirror.Requests);
        Assert.Equal("Python-3.11.2.tgz", Path.GetFileName(path));
    }

    [Fact]
    public async Task A_cached_file_with_the_right_sha256_is_used_without_network()
    {
        using var dir = new TempDir();
        using var server = new FlakyServer((200, Archive));
        Directory.CreateDirectory(dir.Combine("downloads"));
        await File.WriteAllBytesAsync(dir.Combine("downloads", "Python-3.11.2.tgz"), Archive);

        await Fetcher(dir).FetchAsync(Request(server.BaseUrl + "x.tgz"), CancellationToken.None);

        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task A_cached_file_with_the_wrong_sha256_is_fetched_again()
    {
        using var dir = new TempDir();
        using var server = new FlakyServer((200, Archive));
        dir.File("downloads/Python-3.11.2.tgz", "corrupt");

        var path = await Fetcher(dir).FetchAsync(Request(server.BaseUrl + "x.tgz"), CancellationToken.None);

        Assert.Equal(1, server.Requests);
        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_mirror_folder_with_the_file_is_used_before_the_network()
    {
        using var dir = new TempDir();
        using var server = new FlakyServer((200, Archive));
        Directory.CreateDirectory(dir.Combine("mirror"));
        await File.WriteAllBytesAsync(dir.Combine("mirror", "Python-3.11.2.tgz"), Archive);

        var path = await Fetcher(dir, null, dir.Combine("mirror")).FetchAsync(Request(server.BaseUrl + "x.tgz"), CancellationToken.None);

        Assert.Equal(0, server.Requests);
        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_file_url_is_copied_and_verified()
    {
        using var dir = new TempDir();
        var local = dir.Combine("elsewhere.tgz");
        await File.WriteAllBytesAsync(local, Archive);

        var path = await Fetcher(dir).FetchAsync(Request(new Uri(local).AbsoluteUri), CancellationToken.None);

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
    }

    [Theory]
    [InlineData(StallingServer.Behaviour.StallBeforeHeaders, "no data for 1s before the headers")]
    [InlineData(StallingServer.Behaviour.StallInBody, "no data for 1s in the body")]
    [InlineData(StallingServer.Behaviour.CloseEarly, "the server sent 100 of 1000 bytes and closed the connection")]
    public async Task A_server_that_stalls_or_closes_early_is_retried_then_the_next_url_is_used(StallingServer.Behaviour behaviour, string problem)
    {
        using var dir = new TempDir();
        using var bad = new StallingServer(behaviour);
        using var good = new FlakyServer((200, Archive));
        var log = new List<string>();
        var fetcher = new SourceFetcher(new HttpClient(), dir.Combine("downloads"), [], FastRetry with { IdleTimeout = TimeSpan.FromSeconds(1) },
            log.Add);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var path = await fetcher.FetchAsync(Request(bad.BaseUrl + "a.tgz", good.BaseUrl + "b.tgz"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Equal(FastRetry.MaxRetryAttempts, log.Count(l => l.Contains("retry")));
        Assert.Contains(log, l => l.Contains("failed") && l.Contains(problem));
        Assert.Empty(Directory.GetFiles(dir.Combine("downloads"), "*.part-*"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Only_the_users_cancellation_means_cancelled()
    {
        using var dir = new TempDir();
        using var bad = new StallingServer(StallingServer.Behaviour.StallInBody);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var fetcher = new SourceFetcher(new HttpClient(), dir.Combine("downloads"), [], FastRetry, _ => { });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetcher.FetchAsync(Request(bad.BaseUrl + "a.tgz"), cancel.Token));
        Assert.Empty(Directory.GetFiles(dir.Combine("downloads"), "*.part-*"));
    }
}
