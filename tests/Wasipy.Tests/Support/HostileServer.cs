using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Wasipy.Tests.Support;

/// <summary>A raw HTTP server on 127.0.0.1 that attacks the client on purpose, for every request, until disposed.</summary>
public sealed class HostileServer : IDisposable
{
    public enum Behaviour
    {
        /// <summary>200 without a Content-Length, then bytes for ever.</summary>
        EndlessBody,
        /// <summary>200 with a Content-Length of 1000, then one byte every 100 ms: never silent long enough for the idle time-out.</summary>
        Trickle,
        /// <summary>200 announcing 100 GB.</summary>
        HugeContentLength,
        /// <summary>302 to <see cref="HostileServer.Location"/>.</summary>
        Redirect,
    }

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Behaviour _behaviour;
    private long _sent;
    private int _requests;

    public HostileServer(Behaviour behaviour, string location = "")
    {
        _behaviour = behaviour;
        Location = location;
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
        _ = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }
    public string Location { get; }
    public int Requests => Volatile.Read(ref _requests);
    /// <summary>Body bytes written to clients so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

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
                        _ = await stream.ReadAsync(new byte[4096], _stop.Token);
                        var head = _behaviour switch
                        {
                            Behaviour.EndlessBody => "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
                            Behaviour.Trickle => "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n",
                            Behaviour.HugeContentLength => "HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\nConnection: close\r\n\r\n",
                            _ => $"HTTP/1.1 302 Found\r\nLocation: {Location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        };
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                        var chunk = new byte[1 << 16];
                        Array.Fill(chunk, (byte)'x');
                        switch (_behaviour)
                        {
                            case Behaviour.EndlessBody:
                            case Behaviour.HugeContentLength:
                                while (true)
                                {
                                    await stream.WriteAsync(chunk, _stop.Token);
                                    Interlocked.Add(ref _sent, chunk.Length);
                                }
                            case Behaviour.Trickle:
                                for (var i = 0; i < 1000; i++)
                                {
                                    await stream.WriteAsync(chunk.AsMemory(0, 1), _stop.Token);
                                    Interlocked.Increment(ref _sent);
                                    await Task.Delay(100, _stop.Token);
                                }
                                break;
                        }
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
