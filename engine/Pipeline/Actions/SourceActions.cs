using Wasipy.Caching;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Recipes;
using Wasipy.Sources;

namespace Wasipy.Pipeline.Actions;

/// <summary>What the CPython source steps share: the recipe's archive, or the local checkout given with --source.</summary>
internal static class CPythonSource
{
    public static FetchRequest Request(BuildSession s) => new(s.Recipe.Source.Urls, s.Recipe.Source.Sha256, s.Recipe.Source.CacheFileName) { Size = s.Recipe.Source.Size };
    public static string ArchivePath(BuildSession s) => Path.Combine(s.Dirs.Downloads, s.Recipe.Source.CacheFileName);
    public static string? Local(BuildSession s) => s.Options.SourceDir is { } dir ? Path.GetFullPath(dir) : null;

    public static void AddToKey(BuildSession s, CacheKey.Builder key, CancellationToken cancellation)
    {
        if (Local(s) is { } local) key.Add("local-source", local).Add("local-source-hash", ContentHash.OfPath(local, cancellation));
        else key.AddAll("sha256", Request(s).AcceptedHashes.Order(StringComparer.Ordinal)).Add("file", s.Recipe.Source.CacheFileName);
    }
}

/// <summary>`uses: fetch`: the recipe's source archive into the download cache, verified by sha256.</summary>
public sealed class FetchAction : IBuiltinAction
{
    public string Name => "fetch";
    public ActionSignature Parameters { get; } = new([], []);
    public void AddToKey(ActionContext c, CacheKey.Builder key) => CPythonSource.AddToKey(c.Session, key, c.Cancellation);
    public IEnumerable<string> Outputs(ActionContext c) => CPythonSource.Local(c.Session) is null ? [CPythonSource.ArchivePath(c.Session)] : [];

    /// <summary>The archive's newest entry, once it is in the download cache; a local checkout gives none.</summary>
    public long? SourceDate(ActionContext c) =>
        CPythonSource.Local(c.Session) is null && File.Exists(CPythonSource.ArchivePath(c.Session)) ? c.Services.ArchiveDates.Of(CPythonSource.ArchivePath(c.Session)) : null;

    public async Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        if (CPythonSource.Local(c.Session) is { } local) log.WriteLine($"using local source {local}; nothing to fetch");
        else await c.Services.Fetcher(log.WriteLine).FetchAsync(CPythonSource.Request(c.Session), cancellation);
    }
}

/// <summary>`uses: extract` (to): the source archive unpacked, or the --source checkout copied.</summary>
public sealed class ExtractAction : IBuiltinAction
{
    public string Name => "extract";
    public ActionSignature Parameters { get; } = new(["to"], []);
    public void AddToKey(ActionContext c, CacheKey.Builder key) => CPythonSource.AddToKey(c.Session, key, c.Cancellation);
    public IEnumerable<string> Outputs(ActionContext c) => [c.Param("to")];

    public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var to = c.Param("to");
        if (CPythonSource.Local(c.Session) is { } source)
        {
            log.WriteLine($"copying {source} to {to} (the checkout itself is never modified)");
            FileSystem.CopyTree(source, to, cancellation);
        }
        else
        {
            log.WriteLine($"extracting {CPythonSource.ArchivePath(c.Session)} to {to}");
            c.Services.ArchiveDates.Extract(CPythonSource.ArchivePath(c.Session), to, CPythonSource.Request(c.Session).AcceptedHashes);
        }
        return Task.CompletedTask;
    }
}

/// <summary>`uses: patch` (from, to): a copy of the pristine source with the recipe's patches applied.</summary>
public sealed class PatchAction : IBuiltinAction
{
    public string Name => "patch";
    public ActionSignature Parameters { get; } = new(["from", "to"], []);

    public void AddToKey(ActionContext c, CacheKey.Builder key) =>
        key.AddAll("patches", RecipeLoader.PatchPaths(c.Session.Recipe).Select(p => $"{Path.GetFileName(p)}:{ContentHash.OfFile(p)}"));

    public IEnumerable<string> Outputs(ActionContext c) => [c.Param("to")];

    public async Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var (from, to) = (c.Param("from"), c.Param("to"));
        log.WriteLine($"copying {from} to {to}");
        FileSystem.CopyTree(from, to, cancellation);
        await PatchApplier.ApplyAsync(RecipeLoader.PatchPaths(c.Session.Recipe), to, log, cancellation);
    }
}
