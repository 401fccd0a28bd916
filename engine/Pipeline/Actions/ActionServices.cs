using Wasipy.Fetching;
using Wasipy.Wasm;

namespace Wasipy.Pipeline.Actions;

/// <summary>What actions share in one run: the HTTP client for downloads and one Wasmtime engine.</summary>
public sealed class ActionServices(BuildSession session, HttpClient? http = null) : IDisposable
{
    private readonly Lazy<HttpClient> _http = new(() => http ?? new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(session.Config.Downloads.ConnectTimeoutSeconds),
        AllowAutoRedirect = false,   // the fetcher follows redirects itself, only to http(s)
    }) { Timeout = Timeout.InfiniteTimeSpan });   // a download may take long; a silent server is ended by the idle time-out
    private WasiRunner? _wasi;

    public SourceFetcher Fetcher(Action<string> log) =>
        new(_http.Value, session.Dirs.Downloads, session.MirrorDirs, Retry, log);

    private RetrySettings Retry => RetrySettings.Default with
    {
        MaxRetryAttempts = session.Config.Downloads.Retries,
        IdleTimeout = TimeSpan.FromSeconds(session.Config.Downloads.IdleTimeoutSeconds),
        AttemptTimeout = TimeSpan.FromSeconds(session.Config.Downloads.AttemptTimeoutSeconds),
        MaxBytes = session.Config.Downloads.MaxBytes,
    };

    public WasiRunner Wasi => _wasi ??= new WasiRunner(session.Dirs.ModuleCache);

    /// <summary>The dates of the archives this run reads (SOURCE_DATE_EPOCH).</summary>
    public Sources.ArchiveDates ArchiveDates { get; } = new();

    public void Dispose()
    {
        _wasi?.Dispose();
        if (http is null && _http.IsValueCreated) _http.Value.Dispose();
    }
}
