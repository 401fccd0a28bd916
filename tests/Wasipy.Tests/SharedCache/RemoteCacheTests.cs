using System.Diagnostics;
using Wasipy.SharedCache;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.SharedCache;

/// <summary>User stories about the remote unit cache (Bazel HTTP protocol), against nginx (WebDAV PUT) and misbehaving
/// servers on 127.0.0.1. A remote cache that fails never fails the build.</summary>
public class RemoteCacheTests
{
    private const string Steps = """
          - name: gen
            cwd: "{{ dirs.build }}/gen"
            run:
              - echo made in {{ dirs.project }} > paths.txt
              - echo run >> {{ dirs.project }}/gen.count
            outputs: ["{{ dirs.build }}/gen/paths.txt"]
          - name: stop-server
            run:
              - "[ -z {{ env.KILL_PID }} ] || kill -9 {{ env.KILL_PID }}"
              - echo stopped > stopped.txt
            outputs: ["{{ dirs.build }}/stopped.txt"]
          - name: use
            run:
              - cat gen/paths.txt > used.txt
              - echo run >> {{ dirs.project }}/use.count
            outputs: ["{{ dirs.build }}/used.txt"]
        """;

    private static readonly Dictionary<string, string> NoKill = new() { ["KILL_PID"] = "" };

    private static string Config(int timeoutSeconds = 30) => $"cache:\n  remote_timeout_seconds: {timeoutSeconds}\n  remote_retries: 2\n";

    [Fact]
    public async Task A_checkout_with_an_empty_local_cache_restores_every_unit_from_the_remote_one()
    {
        using var server = new NginxCache();
        using var cacheA = new TempDir();
        using var cacheB = new TempDir();
        using var first = new UnitCacheTests.Checkout(cacheA.Path, Steps, Config());
        using var second = new UnitCacheTests.Checkout(cacheB.Path, Steps, Config());
        var remote = new CacheRequest { RemoteUrl = server.Url };
        Assert.All(await first.RunAsync(remote, NoKill), o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(server.Store, "ac")).Length);

        var outcomes = await second.RunAsync(remote, NoKill);
        Assert.All(outcomes, o => Assert.Equal((StepStatus.Restored, $"remote {server.Url}"), (o.Status, o.From)));
        Assert.Equal((0, 0), (second.Runs("gen"), second.Runs("use")));
        Assert.Equal($"made in {second.Root}\n", File.ReadAllText(Path.Combine(second.Build, "used.txt")));
        Assert.Equal("", second.Warnings.ToString());
    }

    [Fact]
    public async Task A_read_only_remote_cache_is_never_written()
    {
        using var server = new NginxCache();
        using var cache = new TempDir();
        using var checkout = new UnitCacheTests.Checkout(cache.Path, Steps, Config());
        await checkout.RunAsync(new CacheRequest { RemoteUrl = server.Url, RemoteReadOnly = true }, NoKill);
        Assert.Equal((0, 0), (server.Requests("PUT"), Directory.GetFiles(Path.Combine(server.Store, "ac")).Length));
        Assert.True(server.Requests("GET") >= 3);
    }

    [Fact]
    public async Task The_server_killed_in_the_middle_of_a_run_costs_one_warning_and_the_build_goes_on()
    {
        using var server = new NginxCache();
        using var cache = new TempDir();
        using var checkout = new UnitCacheTests.Checkout(cache.Path, Steps, Config());
        var outcomes = await checkout.RunAsync(new CacheRequest { RemoteUrl = server.Url }, new Dictionary<string, string> { ["KILL_PID"] = server.Pid.ToString() });

        Assert.All(outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        var warnings = checkout.Warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(warnings);
        Assert.Contains("going on without it", warnings[0]);
        Assert.Single(Directory.GetFiles(Path.Combine(server.Store, "ac")));   // gen's, stored before the server died
        Assert.Equal(3, Directory.GetFiles(Path.Combine(cache.Path, "ac")).Length);   // the local cache has them all
    }

    [Fact]
    public async Task A_tampered_blob_on_the_server_is_refused_by_its_sha256_and_the_unit_is_built()
    {
        using var server = new NginxCache();
        using var cacheA = new TempDir();
        using var cacheB = new TempDir();
        using var first = new UnitCacheTests.Checkout(cacheA.Path, Steps, Config());
        using var second = new UnitCacheTests.Checkout(cacheB.Path, Steps, Config());
        var remote = new CacheRequest { RemoteUrl = server.Url, RemoteReadOnly = true };
        await first.RunAsync(remote with { RemoteReadOnly = false }, NoKill);
        foreach (var blob in Directory.GetFiles(Path.Combine(server.Store, "cas")))
        {
            var bytes = File.ReadAllBytes(blob);
            bytes[600] ^= 0x20;
            File.WriteAllBytes(blob, bytes);
        }

        var outcomes = await second.RunAsync(remote, NoKill);
        Assert.All(outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.Equal((1, 1), (second.Runs("gen"), second.Runs("use")));
        Assert.Contains("does not match its sha256", second.Warnings.ToString());
        // Nothing unverified was kept: the local cache holds only what this checkout built, each blob named by its hash.
        Assert.All(Directory.GetFiles(Path.Combine(cacheB.Path, "cas")), blob =>
            Assert.Equal(Path.GetFileName(blob), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(blob)))));
    }

    [Fact]
    public async Task A_server_answering_500_is_tried_a_few_times_then_left_with_one_warning()
    {
        using var server = new FlakyServer((500, "no"u8.ToArray()));
        using var cache = new TempDir();
        using var checkout = new UnitCacheTests.Checkout(cache.Path, Steps, Config());
        var outcomes = await checkout.RunAsync(new CacheRequest { RemoteUrl = server.BaseUrl }, NoKill);

        Assert.All(outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.Equal(3, server.Requests);   // one request, retried twice (remote_retries: 2), then never again
        Assert.Single(checkout.Warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("500", checkout.Warnings.ToString());
    }

    [Theory]
    [InlineData(StallingServer.Behaviour.StallBeforeHeaders)]
    [InlineData(StallingServer.Behaviour.StallInBody)]
    public async Task A_stalling_server_costs_at_most_the_time_out_once(StallingServer.Behaviour behaviour)
    {
        using var server = new StallingServer(behaviour);
        using var cache = new TempDir();
        using var checkout = new UnitCacheTests.Checkout(cache.Path, Steps, Config(timeoutSeconds: 2));
        var clock = Stopwatch.StartNew();
        var outcomes = await checkout.RunAsync(new CacheRequest { RemoteUrl = server.BaseUrl }, NoKill);

        Assert.All(outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.9, 2 + 3);   // the time-out once, plus the steps themselves
        Assert.Contains("no answer", checkout.Warnings.ToString());
        Assert.Single(checkout.Warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
