using System.Collections.Concurrent;
using Wasipy.Processes;

namespace Wasipy.Sources;

/// <summary>
/// SOURCE_DATE_EPOCH (reproducible-builds.org) for a build: the time of the source itself, so that what a build
/// embeds as "when" (CPython's sys.version via __DATE__/__TIME__, .pyc timestamps) is the same on every rebuild.
/// An archive's date is its newest entry's modification time; a git checkout's is its commit time.
/// </summary>
public static class SourceDate
{
    public const string Variable = "SOURCE_DATE_EPOCH";

    /// <summary>The commit time of the checkout in <paramref name="directory"/>.</summary>
    public static async Task<long?> OfGitCheckoutAsync(string directory, CancellationToken cancellation)
    {
        if (!Directory.Exists(Path.Combine(directory, ".git"))) return null;
        var (exit, output) = await ShellRunner.CaptureAsync("git log -1 --format=%ct HEAD", directory, cancellation);
        return exit == 0 && long.TryParse(output.Trim(), out var seconds) ? seconds : null;
    }
}

/// <summary>The dates of the archives one run has read: each is read once (a run's steps all ask for the build
/// source's), or learnt while unpacking it.</summary>
public sealed class ArchiveDates
{
    private readonly ConcurrentDictionary<string, long> _known = new();

    /// <summary>Seconds since 1970 of the archive's newest entry.</summary>
    public long Of(string archive) =>
        _known.GetOrAdd(Key(archive), _ => ArchiveExtractor.NewestEntryTime(archive).ToUnixTimeSeconds());

    /// <summary>Unpacks the archive (<see cref="ArchiveExtractor.Extract"/>) and returns its date, which unpacking
    /// learns on the way.</summary>
    public long Extract(string archive, string destination, IReadOnlySet<string>? acceptedSha256) =>
        _known[Key(archive)] = ArchiveExtractor.Extract(archive, destination, acceptedSha256).ToUnixTimeSeconds();

    private static string Key(string archive) => Path.GetFullPath(archive) + "@" + File.GetLastWriteTimeUtc(archive).Ticks;
}
