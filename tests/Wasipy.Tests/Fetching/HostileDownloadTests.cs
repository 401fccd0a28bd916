using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Fetching;

/// <summary>Sources that attack the fetcher: endless, huge, trickling, redirected elsewhere, FIFOs and devices.</summary>
public class HostileDownloadTests
{
    private static readonly byte[] Archive = Encoding.UTF8.GetBytes("pretend this is Python-3.11.2.tgz");
    private static readonly string ArchiveSha = Convert.ToHexStringLower(SHA256.HashData(Archive));
    private static readonly RetrySettings Fast = new(2, TimeSpan.FromMilliseconds(5)) { MaxBytes = 1 << 20, IdleTimeout = TimeSpan.FromSeconds(5) };
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static FetchRequest Request(params string[] urls) => new(urls, ArchiveSha, "Python-3.11.2.tgz");

    private static async Task<(string Path, List<string> Log, TimeSpan Took)> Fetch(TempDir dir, FetchRequest request, RetrySettings? settings = null,
        HttpClient? http = null, params string[] mirrors)
    {
        var log = new List<string>();
        var fetcher = new SourceFetcher(http ?? new HttpClient(), dir.Combine("downloads"), mirrors, settings ?? Fast, l => { lock (log) log.Add(l); });
        var clock = Stopwatch.StartNew();
        var path = await fetcher.FetchAsync(request, CancellationToken.None).WaitAsync(Bound);
        return (path, log, clock.Elapsed);
    }

    private static void NothingLeftBehind(TempDir dir) =>
        Assert.Empty(Directory.GetFiles(dir.Path, "*.part-*", SearchOption.AllDirectories));

    private static string Mkfifo(TempDir dir, string name)
    {
        var path = dir.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var mkfifo = Process.Start("mkfifo", [path])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    [Fact]
    public async Task An_endless_body_is_cut_at_the_size_limit_and_the_next_url_is_tried()
    {
        using var dir = new TempDir();
        using var endless = new HostileServer(HostileServer.Behaviour.EndlessBody);
        using var good = new FlakyServer((200, Archive));

        var (path, log, took) = await Fetch(dir, Request(endless.BaseUrl + "a.tgz", good.BaseUrl + "b.tgz"));

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Equal(1, endless.Requests);   // too big is not worth another try
        Assert.Contains(log, l => l.Contains("failed") && l.Contains("more than 1048576 bytes (downloads.max_bytes, or the recipe's source.size); the download was stopped there and deleted"));
        NothingLeftBehind(dir);
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
    }

    [Fact]
    public async Task A_body_announced_larger_than_the_limit_is_refused_before_it_is_read()
    {
        using var dir = new TempDir();
        using var huge = new HostileServer(HostileServer.Behaviour.HugeContentLength);
        using var good = new FlakyServer((200, Archive));

        var (path, log, _) = await Fetch(dir, Request(huge.BaseUrl + "a.tgz", good.BaseUrl + "b.tgz"));

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Contains(log, l => l.Contains("the server announces 100000000000 bytes, more than the limit of 1048576 bytes"));
        NothingLeftBehind(dir);
    }

    [Fact]
    public async Task When_every_url_is_endless_the_fetch_fails_in_user_words_with_nothing_written()
    {
        using var dir = new TempDir();
        using var endless = new HostileServer(HostileServer.Behaviour.EndlessBody);

        var e = await Assert.ThrowsAsync<WasipyException>(() => Fetch(dir, Request(endless.BaseUrl + "a.tgz", endless.BaseUrl + "b.tgz")));

        Assert.Equal(1, e.ExitCode);
        Assert.StartsWith("could not fetch Python-3.11.2.tgz", e.Message);
        Assert.DoesNotContain("Exception", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Combine("downloads")));
    }

    [Fact]
    public async Task A_server_that_trickles_is_stopped_at_the_attempt_deadline_and_the_next_url_is_tried()
    {
        using var dir = new TempDir();
        using var trickle = new HostileServer(HostileServer.Behaviour.Trickle);
        using var good = new FlakyServer((200, Archive));

        var (path, log, took) = await Fetch(dir, Request(trickle.BaseUrl + "a.tgz", good.BaseUrl + "b.tgz"),
            Fast with { AttemptTimeout = TimeSpan.FromSeconds(1) });

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Equal(1, trickle.Requests);
        Assert.Contains(log, l => l.Contains("the download took longer than 1s in all (downloads.attempt_timeout_seconds); the server is too slow"));
        NothingLeftBehind(dir);
        Assert.True(took < TimeSpan.FromSeconds(8), $"took {took}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_redirect_to_a_file_url_fails_that_url_and_the_next_url_is_tried(bool clientFollowsRedirects)
    {
        using var dir = new TempDir();
        var secret = dir.File("secret.tgz", "not for the network");
        using var redirect = new HostileServer(HostileServer.Behaviour.Redirect, new Uri(secret).AbsoluteUri);
        using var good = new FlakyServer((200, Archive));
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = clientFollowsRedirects });

        var (path, log, _) = await Fetch(dir, Request(redirect.BaseUrl + "a.tgz", good.BaseUrl + "b.tgz"), http: http);

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Contains(log, l => l.Contains(clientFollowsRedirects
            ? "redirected to a url that is not http:// or https://, which wasipy does not follow"
            : $"redirected to file://{secret}, which wasipy does not follow (only http:// and https://, never https to http)"));
        Assert.Equal(1, redirect.Requests);
    }

    [Fact]
    public async Task A_redirect_loop_fails_that_url_after_ten_hops_and_the_next_url_is_tried()
    {
        using var dir = new TempDir();
        using var loop = new HostileServer(HostileServer.Behaviour.Redirect, "/again.tgz");
        using var good = new FlakyServer((200, Archive));
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        var (path, log, _) = await Fetch(dir, Request(loop.BaseUrl + "a.tgz", good.BaseUrl + "b.tgz"), http: http);

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Contains(log, l => l.Contains("more than 10 redirects"));
        Assert.Equal(11, loop.Requests);
    }

    [Fact]
    public async Task A_redirect_to_another_http_url_is_followed()
    {
        using var dir = new TempDir();
        using var good = new FlakyServer((200, Archive));
        using var redirect = new HostileServer(HostileServer.Behaviour.Redirect, good.BaseUrl + "moved.tgz");
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        var (path, _, _) = await Fetch(dir, Request(redirect.BaseUrl + "a.tgz"), http: http);

        Assert.Equal(Archive, await File.ReadAllBytesAsync(path));
        Assert.Equal(1, good.Requests);
    }

    [Theory]
    [InlineData("/dev/zero", "is a FIFO, device or socket, not an archive; wasipy does not read it")]
    [InlineData("/dev/urandom", "is a FIFO, device or socket, not an archive; wasipy does not read it")]
    [InlineData("LINK", "is a FIFO, device or socket, not an archive; wasipy does not read it")]
    [InlineData("DIR", "is a folder, not an archive")]
    [InlineData("/proc/self/status", "is under /proc/, /sys/, where files are the kernel's (a read may never end); wasipy does not read it")]
    public async Task A_device_or_folder_given_as_a_file_url_is_refused_without_reading_it_and_the_next_url_is_tried(string path, string problem)
    {
        using var dir = new TempDir();
        if (path == "LINK") File.CreateSymbolicLink(path = dir.Combine("zero.tgz"), "/dev/zero");
        if (path == "DIR") path = Directory.CreateDirectory(dir.Combine("folder.tgz")).FullName;
        using var good = new FlakyServer((200, Archive));

        var (archive, log, took) = await Fetch(dir, Request("file://" + path, good.BaseUrl + "b.tgz"));

        Assert.Equal(Archive, await File.ReadAllBytesAsync(archive));
        Assert.Contains(log, l => l.Contains($"{path} {problem}"));
        NothingLeftBehind(dir);
        Assert.True(took < TimeSpan.FromSeconds(5), $"took {took}");
    }

    [Fact]
    public async Task A_fifo_given_as_a_file_url_is_refused_without_opening_it()
    {
        using var dir = new TempDir();
        var fifo = Mkfifo(dir, "Python-3.11.2.tgz.fifo");
        using var good = new FlakyServer((200, Archive));

        var (archive, log, took) = await Fetch(dir, Request(new Uri(fifo).AbsoluteUri, good.BaseUrl + "b.tgz"));

        Assert.Equal(Archive, await File.ReadAllBytesAsync(archive));
        Assert.Contains(log, l => l.Contains($"{fifo} is a FIFO, device or socket, not an archive; wasipy does not read it"));
        Assert.True(took < TimeSpan.FromSeconds(5), $"took {took}");
    }

    [Fact]
    public async Task A_fifo_in_a_mirror_folder_is_skipped_without_opening_it()
    {
        using var dir = new TempDir();
        Mkfifo(dir, "mirror/Python-3.11.2.tgz");
        using var good = new FlakyServer((200, Archive));

        var (archive, _, _) = await Fetch(dir, Request(good.BaseUrl + "b.tgz"), mirrors: dir.Combine("mirror"));

        Assert.Equal(Archive, await File.ReadAllBytesAsync(archive));
    }

    [Fact]
    public async Task A_fifo_in_the_download_cache_is_bad_input_and_is_not_opened()
    {
        using var dir = new TempDir();
        var fifo = Mkfifo(dir, "downloads/Python-3.11.2.tgz");
        using var good = new FlakyServer((200, Archive));

        var e = await Assert.ThrowsAsync<WasipyException>(() => Fetch(dir, Request(good.BaseUrl + "b.tgz")));

        Assert.Equal(2, e.ExitCode);
        Assert.Equal($"{fifo} is a folder, link, FIFO or device, not a downloaded file; remove it and run again", e.Message);
        Assert.Equal(0, good.Requests);
    }

    [Fact]
    public async Task A_file_larger_than_the_recipes_stated_size_is_refused()
    {
        using var dir = new TempDir();
        var big = dir.Combine("big.tgz");
        await File.WriteAllBytesAsync(big, new byte[200_000]);
        using var good = new FlakyServer((200, Archive));

        var (archive, log, _) = await Fetch(dir, Request(new Uri(big).AbsoluteUri, good.BaseUrl + "b.tgz") with { Size = 100_000 });

        Assert.Equal(Archive, await File.ReadAllBytesAsync(archive));
        Assert.Contains(log, l => l.Contains("more than 100000 bytes"));
        NothingLeftBehind(dir);
    }

    [Fact]
    public async Task Zero_retries_means_one_try_per_url()
    {
        using var dir = new TempDir();
        using var failing = new FlakyServer((503, []), (200, Archive));
        using var good = new FlakyServer((200, Archive));

        var (archive, log, _) = await Fetch(dir, Request(failing.BaseUrl + "a.tgz", good.BaseUrl + "b.tgz"), Fast with { MaxRetryAttempts = 0 });

        Assert.Equal(Archive, await File.ReadAllBytesAsync(archive));
        Assert.Equal(1, failing.Requests);
        Assert.DoesNotContain(log, l => l.Contains("retry") || l.Contains("invalid"));
        Assert.Contains(log, l => l.Contains("HTTP 503"));
    }

    [Fact]
    public async Task A_url_the_fetcher_cannot_use_fails_only_that_url()
    {
        using var dir = new TempDir();
        using var good = new FlakyServer((200, Archive));

        var (archive, log, _) = await Fetch(dir, Request("ftp://127.0.0.1/a.tgz", good.BaseUrl + "b.tgz"));

        Assert.Equal(Archive, await File.ReadAllBytesAsync(archive));
        Assert.Contains(log, l => l.Contains("ftp:// is not a url scheme wasipy downloads from"));
    }
}
