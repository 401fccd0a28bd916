namespace Wasipy.SharedCache;

/// <summary>What the command line asks of the unit cache (`--no-cache`, `--remote-cache URL`, `--remote-cache-read-only`).</summary>
public sealed record CacheRequest
{
    public bool Disabled { get; init; }
    public string? RemoteUrl { get; init; }
    public bool RemoteReadOnly { get; init; }
}
