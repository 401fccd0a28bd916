namespace Wasipy.Fetching;

/// <summary>
/// What to fetch: urls in order (primary, then mirrors), the expected sha256, and the cache file name.
/// A url may carry its own hash as a fragment (<c>...#sha256=HEX</c>) when that mirror serves a repacked but
/// equivalent archive (e.g. a Debian .orig tarball); the file is then accepted with that hash.
/// </summary>
public sealed record FetchRequest(IReadOnlyList<string> Urls, string Sha256, string FileName)
{
    /// <summary>The recipe's stated size in bytes (source.size): a download larger than this is refused.</summary>
    public long? Size { get; init; }

    private const string Marker = Recipes.SourceSpec.HashMarker;

    /// <summary>The url without a #sha256= fragment.</summary>
    public static string Location(string url) => Recipes.SourceSpec.Location(url);

    /// <summary>The hash a file from this url must have.</summary>
    public string ExpectedFor(string url) => url.Contains(Marker) ? url[(url.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..] : Sha256;

    /// <summary>Every hash an archive of this source may have (a cached or mirrored file must have one of them).</summary>
    public IReadOnlySet<string> AcceptedHashes => Urls.Select(ExpectedFor).Append(Sha256).ToHashSet();
}

/// <summary>
/// How hard to retry one url before moving on to the next (0: one try), how long a silent server is waited for, how
/// long one attempt may take in all, and how many bytes one source may have.
/// </summary>
public sealed record RetrySettings(int MaxRetryAttempts, TimeSpan BaseDelay)
{
    public static RetrySettings Default { get; } = new(4, TimeSpan.FromSeconds(1));

    /// <summary>No byte for this long (before the headers or in the body) fails the attempt, which is retried.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>One attempt that takes longer than this in all (a server that trickles) fails that url; not retried.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(900);

    /// <summary>A source larger than this (unless the recipe states a smaller size) is cut off and that url fails.</summary>
    public long MaxBytes { get; init; } = 1L << 30;
}

/// <summary>A failure worth retrying (5xx, 408, 429).</summary>
public sealed class TransientDownloadException(string message) : Exception(message);

/// <summary>A failure that retrying will not fix (404, missing file).</summary>
public sealed class PermanentDownloadException(string message) : Exception(message);
