using System.Net;
using System.Security.Cryptography;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Wasipy.SharedCache;

/// <summary>
/// A Bazel HTTP remote cache: GET/PUT URL/ac/ADDRESS (a unit's entry, as JSON) and URL/cas/SHA256 (tar blobs). Each
/// request, with its retries (connection errors, 5xx, 408, 429; exponential backoff with jitter), must finish within
/// the time-out (Polly); a failure is thrown as <see cref="RemoteCacheException"/>, and the caller stops using the
/// remote cache for the rest of the run. 404 is a miss.
/// </summary>
public sealed class RemoteUnitStore : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeSpan _timeout;

    public Uri Url { get; }

    public RemoteUnitStore(Uri url, TimeSpan timeout, int retries, HttpClient? http = null, TimeProvider? time = null)
    {
        Url = url;
        _timeout = timeout;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time ?? TimeProvider.System }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = timeout });
        if (retries > 0)
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retries,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<IOException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        _pipeline = builder.Build();
    }

    /// <summary>The entry stored under <paramref name="address"/>, or null for a miss (404, or not an entry this version reads).</summary>
    public async Task<UnitEntry?> EntryAsync(string address, CancellationToken cancellation)
    {
        string? text = null;
        await SendAsync(HttpMethod.Get, $"ac/{address}", null, async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return;
            Ensure(response, $"ac/{address}");
            if (response.Content.Headers.ContentLength is > 1 << 20) throw new RemoteCacheException($"ac/{address} is larger than an entry can be");
            text = await response.Content.ReadAsStringAsync(ct);
        }, cancellation);
        return text is null ? null : UnitEntry.Parse(text);
    }

    public async Task<bool> HasEntryAsync(string address, CancellationToken cancellation)
    {
        var found = false;
        await SendAsync(HttpMethod.Head, $"ac/{address}", null, (response, _) =>
        {
            if (response.StatusCode != HttpStatusCode.NotFound) { Ensure(response, $"ac/{address}"); found = true; }
            return Task.CompletedTask;
        }, cancellation);
        return found;
    }

    /// <summary>Downloads cas/SHA256 into <paramref name="destination"/>, at most <paramref name="size"/> bytes, and checks
    /// its sha256; false when the server does not have it or sends other bytes (a tampered or corrupt blob: deleted).</summary>
    public async Task<bool> BlobAsync(string sha256, long size, string destination, CancellationToken cancellation)
    {
        var ok = false;
        await SendAsync(HttpMethod.Get, $"cas/{sha256}", null, async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return;
            Ensure(response, $"cas/{sha256}");
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            await using (var output = File.Create(destination))
            await using (var input = await response.Content.ReadAsStreamAsync(ct))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await input.ReadAsync(buffer, ct)) > 0)
                {
                    total += read;
                    if (total > size) break;
                    hash.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            ok = total == size && Convert.ToHexStringLower(hash.GetHashAndReset()) == sha256;
            if (!ok) File.Delete(destination);
        }, cancellation);
        return ok;
    }

    public Task PutEntryAsync(string address, UnitEntry entry, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Put, $"ac/{address}", () => new StringContent(entry.ToJson()), (r, _) => { Ensure(r, $"ac/{address}"); return Task.CompletedTask; }, cancellation);

    public Task PutBlobAsync(string sha256, string path, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Put, $"cas/{sha256}", () => new StreamContent(File.OpenRead(path)), (r, _) => { Ensure(r, $"cas/{sha256}"); return Task.CompletedTask; }, cancellation);

    /// <summary>One request through the pipeline; <paramref name="handle"/> reads the response within the same time limit.</summary>
    private async Task SendAsync(HttpMethod method, string path, Func<HttpContent>? content, Func<HttpResponseMessage, CancellationToken, Task> handle, CancellationToken cancellation)
    {
        var url = new Uri(Url, path);
        try
        {
            using var last = await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(method, url) { Content = content?.Invoke() };
                var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests) return response;
                using (response) await handle(response, ct);
                return new HttpResponseMessage(HttpStatusCode.OK);
            }, cancellation);
            Ensure(last, path);
        }
        catch (TimeoutRejectedException)
        {
            throw new RemoteCacheException($"{path}: no answer within {_timeout.TotalSeconds:0.#}s (cache.remote_timeout_seconds)");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new RemoteCacheException($"{path}: no answer in time");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new RemoteCacheException($"{path}: {e.Message}");
        }
    }

    private static void Ensure(HttpResponseMessage response, string path)
    {
        if (!response.IsSuccessStatusCode)
            throw new RemoteCacheException($"{path}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
