using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Wasipy.Tests.Support;

/// <summary>A raw HTTP server on 127.0.0.1 that misbehaves on purpose, for every request, until disposed.</summary>
public sealed class StallingServer : IDisposable
{
    public enum Behaviour { StallBeforeHeaders, StallInBody, CloseEarly }

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Behaviour _behaviour;
    private int _requests;

    public StallingServer(Behaviour behaviour)
    {
        _behaviour = behaviour;
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
        _ = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }
    public int Requests => Volatile.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _requests);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    try
                    {
                        _ = await stream.ReadAsync(new byte[4096], _stop.Token);   // the request; its content does not matter
                        if (_behaviour == Behaviour.StallBeforeHeaders) { await Task.Delay(Timeout.Infinite, _stop.Token); return; }
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n" + new string('x', 100)), _stop.Token);
                        await stream.FlushAsync(_stop.Token);
                        if (_behaviour == Behaviour.StallInBody) await Task.Delay(Timeout.Infinite, _stop.Token);
                    }
                    catch (Exception) { }
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
