namespace Wasipy.SharedCache;

/// <summary>The remote cache failed (unreachable, 5xx after retries, too slow): the run goes on without it.</summary>
public sealed class RemoteCacheException(string message) : Exception(message);
