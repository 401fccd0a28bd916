using Wasipy.Fetching;
using Wasipy.Wasm;

namespace Wasipy.Pipeline.Actions;

/// <summary>What actions share in one run: the HTTP client for downloads and one Wasmtime engine.</summary>
public sealed class ActionServices(BuildSession session, HttpClient? http = null) : IDisposable
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(10) });
    private WasiRunner? _wasi;

    public SourceFetcher Fetcher(Action<string> log) =>
        new(http ?? SharedHttp.Value, session.DownloadsDir, session.MirrorDirs, RetrySettings.Default, log);

    public WasiRunner Wasi => _wasi ??= new WasiRunner(session.ModuleCacheDir);

    public void Dispose() => _wasi?.Dispose();
}
