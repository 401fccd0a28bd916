using System.Net;
using System.Security.Cryptography;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Wasipy.Errors;
using Wasipy.Sources;

namespace Wasipy.Fetching;

/// <summary>
/// Gets a source archive into the download cache, verified by sha256: a cached file with the right hash is used
/// without network; then local mirror folders (by file name); then each url in turn, with retries and
/// exponential backoff for transient failures. A file with the wrong hash is never left in the cache. Every copy
/// counts its bytes and stops at the size limit; FIFOs, devices and folders are refused without being opened; a
/// redirect is followed only to http(s); whatever goes wrong with one url, the next url is tried.
/// </summary>
public sealed class SourceFetcher
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _http;
    private readonly string _downloadDir;
    private readonly IReadOnlyList<string> _mirrorDirs;
    private readonly RetrySettings _settings;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _idle;
    private readonly Action<string> _log;

    public SourceFetcher(HttpClient http, string downloadDir, IReadOnlyList<string> mirrorDirs, RetrySettings retry,
        Action<string> log, TimeProvider? time = null)
    {
        _http = http;
        _downloadDir = downloadDir;
        _mirrorDirs = mirrorDirs;
        _settings = retry;
        _log = log;
        _time = time ?? TimeProvider.System;
        // Zero retries is one try: Polly's retry strategy needs at least one retry, so there is none in the pipeline.
        _retry = retry.MaxRetryAttempts <= 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetryAttempts,
                Delay = retry.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // A time-out or a connection problem is worth another try; only the user's Ctrl-C cancels.
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    _log($"  retry {args.AttemptNumber + 1} in {args.RetryDelay.TotalSeconds:0.0}s after: {args.Outcome.Exception?.Message}");
                    return default;
                },
            })
            .Build();
        _idle = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddTimeout(retry.IdleTimeout)
            .Build();
    }

    private static bool IsTransient(Exception? e, CancellationToken user) =>
        e is TransientDownloadException or HttpRequestException or HttpIOException or TimeoutRejectedException
        || (e is OperationCanceledException && !user.IsCancellationRequested);

    public string CachedPath(FetchRequest request) => Path.Combine(_downloadDir, request.FileName);

    /// <summary>The most bytes this source may have: the recipe's size when it states one, else downloads.max_bytes.</summary>
    private long Limit(FetchRequest request) => request.Size is { } size ? Math.Min(size, _settings.MaxBytes) : _settings.MaxBytes;

    /// <summary>Returns the path of the verified archive in the download cache.</summary>
    public async Task<string> FetchAsync(FetchRequest request, CancellationToken cancellation)
    {
        if (request.FileName is "" or "." or ".." || request.FileName.Contains('/'))
            throw new WasipyException($"the source's cache file name '{request.FileName}' is not a plain file name; set source.file_name in the recipe", 2);
        Directory.CreateDirectory(_downloadDir);
        var target = CachedPath(request);
        var limit = Limit(request);
        switch (FileKinds.Of(target))
        {
            case FileKind.File:
                if (request.AcceptedHashes.Contains(await HashFileAsync(target, cancellation)))
                {
                    _log($"using cached {target} (sha256 ok)");
                    return target;
                }
                _log($"cached {target} has the wrong sha256; fetching it again");
                break;
            case FileKind.Missing:
                break;
            default:
                throw new WasipyException($"{target} is a folder, link, FIFO or device, not a downloaded file; remove it and run again", 2);
        }

        var failures = new List<string>();
        // A mirror folder holds archives by file name, or laid out by url as MIRROR/HOST/PATH.
        var candidates = _mirrorDirs.SelectMany(m => request.Urls
                .Select(u => Uri.TryCreate(FetchRequest.Location(u), UriKind.Absolute, out var uri) ? uri : null)
                .OfType<Uri>()
                .Where(u => u.Scheme is "http" or "https")
                .Select(u => Path.Combine(m, u.Host, u.AbsolutePath.TrimStart('/')))
                .Prepend(Path.Combine(m, request.FileName)))
            .Distinct();
        foreach (var candidate in candidates)
        {
            if (FileKinds.Of(candidate) == FileKind.Missing) continue;
            try
            {
                var result = await CopyVerifiedAsync(LocalArchive.Open(candidate), request.AcceptedHashes, target, limit, ct: cancellation);
                if (result is null)
                {
                    _log($"copied {candidate} from mirror folder (sha256 ok)");
                    return target;
                }
                failures.Add($"{candidate}: {result}");
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested && e is not OperationCanceledException)
            {
                failures.Add($"{candidate}: {e.Message}");
            }
        }

        foreach (var url in request.Urls)
        {
            _log($"downloading {FetchRequest.Location(url)}");
            try
            {
                var problem = await _retry.ExecuteAsync(async ct => await AttemptAsync(url, request.ExpectedFor(url), target, limit, ct), cancellation);
                if (problem is null)
                {
                    _log($"downloaded {url} (sha256 ok)");
                    return target;
                }
                failures.Add($"{url}: {problem}");
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                // Whatever went wrong with this url (a redirect elsewhere, too many bytes, a trickle, a bad url),
                // the next url is tried; only the user's Ctrl-C stops the fetch.
                failures.Add($"{url}: {Describe(e)}");
            }
            _log($"  failed: {failures[^1]}");
        }

        throw new WasipyException(
            $"could not fetch {request.FileName} (sha256 {request.Sha256}):\n  " + string.Join("\n  ", failures) +
            $"\nIf you have the archive already, put it at {target} or in a folder passed with --mirror; " +
            "otherwise check the recipe's source.urls and your network.");
    }

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException or TimeoutRejectedException => $"timed out ({e.Message})",
        UriFormatException => "not a valid url",
        System.ComponentModel.Win32Exception => "a program it needs could not be started",
        _ => e.Message,
    };

    /// <summary>One attempt under the overall attempt deadline (downloads.attempt_timeout_seconds), which is not retried.</summary>
    private async ValueTask<string?> AttemptAsync(string url, string sha256, string target, long limit, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(_settings.AttemptTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            return await DownloadOnceAsync(url, sha256, target, limit, linked.Token);
        }
        catch (Exception e) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested && e is OperationCanceledException or TimeoutRejectedException or HttpRequestException or IOException)
        {
            throw new PermanentDownloadException(
                $"the download took longer than {_settings.AttemptTimeout.TotalSeconds:0.#}s in all (downloads.attempt_timeout_seconds); the server is too slow");
        }
    }

    /// <summary>One attempt; returns null on success, or why the bytes were wrong (not retried).</summary>
    private async Task<string?> DownloadOnceAsync(string url, string sha256, string target, long limit, CancellationToken ct)
    {
        var uri = new Uri(FetchRequest.Location(url));
        IReadOnlySet<string> request = new HashSet<string> { sha256 };
        if (uri.IsFile)
            return await CopyVerifiedAsync(LocalArchive.Open(uri.LocalPath), request, target, limit, ct: ct);
        if (uri.Scheme == AptSource.Scheme)
            return await CopyVerifiedAsync(await AptSource.DownloadAsync(uri, ct), request, target, limit, ct: ct);
        if (uri.Scheme is not ("http" or "https"))
            throw new PermanentDownloadException($"{uri.Scheme}:// is not a url scheme wasipy downloads from (http, https, file, apt-source)");
        using var response = await GetFollowingRedirectsAsync(uri, ct);
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            var message = $"HTTP {status} {response.ReasonPhrase}";
            if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                throw new TransientDownloadException(message);
            throw new PermanentDownloadException(message);
        }
        var length = response.Content.Headers.ContentLength;
        if (length > limit)
            throw new PermanentDownloadException($"the server announces {length} bytes, more than the limit of {limit} bytes ({LimitName()})");
        var body = await response.Content.ReadAsStreamAsync(ct);
        return await CopyVerifiedAsync(body, request, target, limit, (buffer, t) => Idle(x => body.ReadAsync(buffer, x).AsTask(), "in the body", t), length, ct);
    }

    private string LimitName() => "downloads.max_bytes, or the recipe's source.size";

    /// <summary>
    /// GET with redirects followed here, one by one, and only to http(s) (never https to http); a client that follows
    /// redirects by itself is checked afterwards by the url it ended at.
    /// </summary>
    private async Task<HttpResponseMessage> GetFollowingRedirectsAsync(Uri uri, CancellationToken ct)
    {
        for (var hop = 0; ; hop++)
        {
            HttpResponseMessage response;
            try
            {
                response = await Idle(t => _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, t), "before the headers", ct);
            }
            catch (UriFormatException)
            {
                // An HttpClient that follows redirects by itself tries a file:// Location as a host name.
                throw new PermanentDownloadException("redirected to a url that is not http:// or https://, which wasipy does not follow");
            }
            var ended = response.RequestMessage?.RequestUri ?? uri;
            if (!IsAllowedRedirect(uri, ended))
            {
                response.Dispose();
                throw new PermanentDownloadException($"redirected to {ended}, which wasipy does not follow (only http:// and https://, never https to http)");
            }
            var status = (int)response.StatusCode;
            if (status is < 300 or > 399 || response.Headers.Location is not { } location) return response;
            response.Dispose();
            var next = location.IsAbsoluteUri ? location : new Uri(ended, location);
            if (!IsAllowedRedirect(ended, next))
                throw new PermanentDownloadException($"redirected to {next}, which wasipy does not follow (only http:// and https://, never https to http)");
            if (hop >= MaxRedirects)
                throw new PermanentDownloadException($"more than {MaxRedirects} redirects");
            _log($"  redirected to {next}");
            uri = next;
        }
    }

    private static bool IsAllowedRedirect(Uri from, Uri to) =>
        to.Scheme is "http" or "https" && !(from.Scheme == "https" && to.Scheme == "http");

    /// <summary>One network wait, ended by Polly's timeout strategy when no byte comes for the idle time.</summary>
    private async Task<T> Idle<T>(Func<CancellationToken, Task<T>> wait, string where, CancellationToken ct)
    {
        try
        {
            return await _idle.ExecuteAsync(async t => await wait(t), ct);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutRejectedException($"no data for {e.Timeout.TotalSeconds:0.#}s {where}", e);
        }
    }

    /// <summary>
    /// Streams into a temporary file while hashing and counting; stops at <paramref name="limit"/> bytes; moves the
    /// file into place only when the sha256 matches. The temporary file never outlives the call.
    /// </summary>
    private async Task<string?> CopyVerifiedAsync(Stream source, IReadOnlySet<string> accepted, string target, long limit,
        Func<Memory<byte>, CancellationToken, Task<int>>? read = null, long? length = null, CancellationToken ct = default)
    {
        var temp = $"{target}.part-{Guid.NewGuid():N}";
        try
        {
            await using (source)
            await using (var file = File.Create(temp))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int count;
                long total = 0;
                async Task<int> Next()
                {
                    try { return read is null ? await source.ReadAsync(buffer, ct) : await read(buffer, ct); }
                    catch (HttpIOException) when (length is not null && !ct.IsCancellationRequested) { return 0; }   // cut off: counted below
                }
                while ((count = await Next()) > 0)
                {
                    if (total + count > limit)
                        throw new PermanentDownloadException($"more than {limit} bytes ({LimitName()}); the download was stopped there and deleted");
                    hash.AppendData(buffer, 0, count);
                    await file.WriteAsync(buffer.AsMemory(0, count), ct);
                    total += count;
                }
                if (length is { } expected && total < expected)
                    throw new TransientDownloadException($"the server sent {total} of {expected} bytes and closed the connection");
                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (!accepted.Contains(actual))
                    return $"sha256 mismatch: expected {string.Join(" or ", accepted)}, got {actual}";
            }
            File.Move(temp, target, overwrite: true);
            return null;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
