using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Wasipy.Tests.Support;

/// <summary>
/// Debian's nginx as a Bazel HTTP remote cache (WebDAV PUT) on a free port of 127.0.0.1, with its own config, pid,
/// logs and storage under a temp folder; stopped (or killed) by the test.
/// </summary>
public sealed class NginxCache : IDisposable
{
    private readonly TempDir _dir = new();
    private Process? _process;

    public NginxCache()
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/cache/";
        Directory.CreateDirectory(_dir.Combine("store", "cache", "ac"));
        Directory.CreateDirectory(_dir.Combine("store", "cache", "cas"));
        Directory.CreateDirectory(_dir.Combine("tmp"));
        _dir.File("nginx.conf", $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{_dir.Combine("nginx.pid")}};
            error_log {{_dir.Combine("error.log")}} info;
            events { worker_connections 64; }
            http {
              access_log {{_dir.Combine("access.log")}};
              client_body_temp_path {{_dir.Combine("tmp")}};
              proxy_temp_path {{_dir.Combine("tmp")}};
              fastcgi_temp_path {{_dir.Combine("tmp")}};
              uwsgi_temp_path {{_dir.Combine("tmp")}};
              scgi_temp_path {{_dir.Combine("tmp")}};
              client_max_body_size 2g;
              server {
                listen 127.0.0.1:{{port}};
                root {{_dir.Combine("store")}};
                location /cache/ {
                  dav_methods PUT;
                  create_full_put_path on;
                  dav_access user:rw;
                }
              }
            }
            """);
        _process = Process.Start(new ProcessStartInfo("/usr/sbin/nginx", ["-e", _dir.Combine("error.log"), "-c", _dir.Combine("nginx.conf"), "-p", _dir.Path])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Listening(port))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"nginx did not start: {File.ReadAllText(_dir.Combine("error.log"))}");
            Thread.Sleep(50);
        }
    }

    public string Url { get; }
    public int Pid => _process!.Id;

    /// <summary>Where the server keeps ac/ and cas/.</summary>
    public string Store => _dir.Combine("store", "cache");

    public int Requests(string method) =>
        File.Exists(_dir.Combine("access.log")) ? File.ReadAllLines(_dir.Combine("access.log")).Count(l => l.Contains($"\"{method} ")) : 0;

    /// <summary>SIGKILL: the server is gone at once, as when it crashes.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false }) { _process.Kill(); _process.WaitForExit(5000); }
    }

    private static bool Listening(int port)
    {
        try { using var client = new TcpClient(); client.Connect(IPAddress.Loopback, port); return true; }
        catch (SocketException) { return false; }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _dir.Dispose();
    }
}
