using System.Net;
using System.Security.Cryptography;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Wasipy.Errors;

namespace Wasipy.Fetching;

/// <summary>
/// What to fetch: urls in order (primary, then mirrors), the expected sha256, and the cache file name.
/// A url may carry its own hash as a fragment (<c>...#sha256=HEX</c>) when that mirror serves a repacked but
/// equivalent archive (e.g. a Debian .orig tarball); the file is then accepted with that hash.
/// </summary>
public sealed record FetchRequest(IReadOnlyList<string> Urls, string Sha256, string FileName)
{
    private const string Marker = Recipes.SourceSpec.HashMarker;

    /// <summary>The url without a #sha256= fragment.</summary>
    public static string Location(string url) => Recipes.SourceSpec.Location(url);

    /// <summary>The hash a file from this url must have.</summary>
    public string ExpectedFor(string url) => url.Contains(Marker) ? url[(url.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..] : Sha256;

    /// <summary>Every hash an archive of this source may have (a cached or mirrored file must have one of them).</summary>
    public IReadOnlySet<string> AcceptedHashes => Urls.Select(ExpectedFor).Append(Sha256).ToHashSet();
}

/// <summary>How hard to retry one url before moving on to the next, and how long a silent server is waited for.</summary>
public sealed record RetrySettings(int MaxRetryAttempts, TimeSpan BaseDelay)
{
    public static RetrySettings Default { get; } = new(4, TimeSpan.FromSeconds(1));

    /// <summary>No byte for this long (before the headers or in the body) fails the attempt, which is retried.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Gets a source archive into the download cache, verified by sha256: a cached file with the right hash is used
/// without network; then local mirror folders (by file name); then each url in turn, with retries and
/// exponential backoff for transient failures. A file with the wrong hash is never left in the cache.
/// </summary>
public sealed class SourceFetcher
{
    private readonly HttpClient _http;
    private readonly string _downloadDir;
    private readonly IReadOnlyList<string> _mirrorDirs;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _idle;
    private readonly Action<string> _log;

    public SourceFetcher(HttpClient http, string downloadDir, IReadOnlyList<string> mirrorDirs, RetrySettings retry,
        Action<string> log, TimeProvider? time = null)
    {
        _http = http;
        _downloadDir = downloadDir;
        _mirrorDirs = mirrorDirs;
        _log = log;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
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
        _idle = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddTimeout(retry.IdleTimeout)
            .Build();
    }

    private static bool IsTransient(Exception? e, CancellationToken user) =>
        e is TransientDownloadException or HttpRequestException or HttpIOException or TimeoutRejectedException
        || (e is OperationCanceledException && !user.IsCancellationRequested);

    public string CachedPath(FetchRequest request) => Path.Combine(_downloadDir, request.FileName);

    /// <summary>Returns the path of the verified archive in the download cache.</summary>
    public async Task<string> FetchAsync(FetchRequest request, CancellationToken cancellation)
    {
        Directory.CreateDirectory(_downloadDir);
        var target = CachedPath(request);
        if (File.Exists(target))
        {
            if (request.AcceptedHashes.Contains(await HashFileAsync(target, cancellation)))
            {
                _log($"using cached {target} (sha256 ok)");
                return target;
            }
            _log($"cached {target} has the wrong sha256; fetching it again");
        }

        var failures = new List<string>();
        // A mirror folder holds archives by file name, or laid out by url as MIRROR/HOST/PATH.
        var candidates = _mirrorDirs.SelectMany(m => request.Urls
                .Select(u => new Uri(FetchRequest.Location(u)))
                .Where(u => u.Scheme is "http" or "https")
                .Select(u => Path.Combine(m, u.Host, u.AbsolutePath.TrimStart('/')))
                .Prepend(Path.Combine(m, request.FileName)))
            .Distinct();
        foreach (var candidate in candidates)
        {
            if (!File.Exists(candidate)) continue;
            var result = await CopyVerifiedAsync(File.OpenRead(candidate), request.AcceptedHashes, target, cancellation);
            if (result is null)
            {
                _log($"copied {candidate} from mirror folder (sha256 ok)");
                return target;
            }
            failures.Add($"{candidate}: {result}");
        }

        foreach (var url in request.Urls)
        {
            _log($"downloading {FetchRequest.Location(url)}");
            try
            {
                var problem = await _retry.ExecuteAsync(async ct => await DownloadOnceAsync(url, request.ExpectedFor(url), target, ct), cancellation);
                if (problem is null)
                {
                    _log($"downloaded {url} (sha256 ok)");
                    return target;
                }
                failures.Add($"{url}: {problem}");
            }
            catch (Exception e) when (e is PermanentDownloadException or IOException || IsTransient(e, cancellation))
            {
                failures.Add($"{url}: {e.Message}");
            }
            _log($"  failed: {failures[^1]}");
        }

        throw new WasipyException(
            $"could not fetch {request.FileName} (sha256 {request.Sha256}):\n  " + string.Join("\n  ", failures) +
            $"\nIf you have the archive already, put it at {target} or in a folder passed with --mirror; " +
            "otherwise check the recipe's source.urls and your network.");
    }

    /// <summary>One attempt; returns null on success, or why the bytes were wrong (not retried).</summary>
    private async ValueTask<string?> DownloadOnceAsync(string url, string sha256, string target, CancellationToken ct)
    {
        var uri = new Uri(FetchRequest.Location(url));
        IReadOnlySet<string> request = new HashSet<string> { sha256 };
        if (uri.IsFile)
        {
            if (!File.Exists(uri.LocalPath)) throw new PermanentDownloadException($"no such file {uri.LocalPath}");
            return await CopyVerifiedAsync(File.OpenRead(uri.LocalPath), request, target, ct);
        }
        if (uri.Scheme == AptSource.Scheme)
            return await CopyVerifiedAsync(await AptSource.DownloadAsync(uri, ct), request, target, ct);
        using var response = await Idle(t => _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, t), "before the headers", ct);
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            var message = $"HTTP {status} {response.ReasonPhrase}";
            if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                throw new TransientDownloadException(message);
            throw new PermanentDownloadException(message);
        }
        var body = await response.Content.ReadAsStreamAsync(ct);
        return await CopyVerifiedAsync(body, request, target, ct, (buffer, t) => Idle(x => body.ReadAsync(buffer, x).AsTask(), "in the body", t),
            response.Content.Headers.ContentLength);
    }

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

    /// <summary>Streams into a temporary file while hashing; moves it into place only when the sha256 matches.</summary>
    private static async Task<string?> CopyVerifiedAsync(Stream source, IReadOnlySet<string> accepted, string target, CancellationToken ct,
        Func<Memory<byte>, CancellationToken, Task<int>>? read = null, long? length = null)
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
                    catch (HttpIOException) when (length is not null) { return 0; }   // cut off: counted below
                }
                while ((count = await Next()) > 0)
                {
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

/// <summary>A failure worth retrying (5xx, 408, 429).</summary>
public sealed class TransientDownloadException(string message) : Exception(message);

/// <summary>A failure that retrying will not fix (404, missing file).</summary>
public sealed class PermanentDownloadException(string message) : Exception(message);
