using System.Net;
using System.Net.Sockets;

namespace Wasipy.Tests.Support;

/// <summary>
/// An HTTP server on 127.0.0.1 that answers each request from a script of (status, body) and counts requests.
/// After the script runs out, the last answer repeats.
/// </summary>
public sealed class FlakyServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Queue<(int Status, byte[] Body)> _answers;
    private (int Status, byte[] Body) _last;
    private int _requests;

    public FlakyServer(params (int Status, byte[] Body)[] answers)
    {
        _answers = new Queue<(int, byte[])>(answers);
        _last = answers[^1];
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }
    public int Requests => Volatile.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _requests);
            var (status, body) = _answers.Count > 0 ? (_last = _answers.Dequeue()) : _last;
            context.Response.StatusCode = status;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose() => _listener.Close();
}
