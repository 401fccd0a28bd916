using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Sources;

namespace Wasipy.Pipeline;

/// <summary>A unit's source: fetched into the download cache (verified), unpacked into its folder, patched.</summary>
public static class SourcePreparer
{
    /// <summary>Fetches, unpacks and patches the unit's source; returns the source's date (SOURCE_DATE_EPOCH), if it has one.</summary>
    public static async Task<long?> PrepareAsync(UnitSource source, SourceFetcher fetcher, ArchiveDates dates, BuildSession session, StepLog log, CancellationToken cancellation)
    {
        long? date = null;
        if (source.Git is { } git)
        {
            var downloads = session.Config.Downloads;
            var checkout = await GitFetcher.FetchAsync(git, session.Dirs.Downloads, session.MirrorDirs, log.WriteLine, cancellation,
                new GitLimits(TimeSpan.FromSeconds(downloads.AttemptTimeoutSeconds), downloads.MaxBytes));
            log.WriteLine($"copying {checkout} to {source.Directory} (without .git)");
            FileSystem.CopyTree(checkout, source.Directory, cancellation);
            date = await SourceDate.OfGitCheckoutAsync(checkout, cancellation);
        }
        else if (source.Request is null)
        {
            FileSystem.RecreateDirectory(source.Directory);
        }
        else
        {
            var archive = await fetcher.FetchAsync(source.Request, cancellation);
            log.WriteLine($"extracting {archive} to {source.Directory}");
            date = dates.Extract(archive, source.Directory, source.Request.AcceptedHashes);
        }
        await PatchApplier.ApplyAsync(source.Patches, source.Directory, log, cancellation);
        return date;
    }
}
