namespace Wasipy.Requirements;

/// <summary>pip's index options (--index-url, --extra-index-url, --find-links, --no-index), passed through to pip.</summary>
public sealed record PipIndex
{
    public string? IndexUrl { get; init; }
    public IReadOnlyList<string> ExtraIndexUrls { get; init; } = [];
    /// <summary>Folders (absolute) or urls.</summary>
    public IReadOnlyList<string> FindLinks { get; init; } = [];
    public bool NoIndex { get; init; }

    /// <summary>wasipy.yaml's pip section (folders relative to it) under the command line's options: --index-url
    /// replaces, the lists add, --no-index turns the index off.</summary>
    public static PipIndex Combine(Project.PipSpec config, string root, PipIndex cli) => new()
    {
        IndexUrl = cli.IndexUrl is { Length: > 0 } url ? url : config.IndexUrl.Length > 0 ? config.IndexUrl : null,
        ExtraIndexUrls = [.. config.ExtraIndexUrls, .. cli.ExtraIndexUrls],
        FindLinks = [.. config.FindLinks.Select(f => Absolute(f, root)), .. cli.FindLinks.Select(f => Absolute(f, Environment.CurrentDirectory))],
        NoIndex = config.NoIndex || cli.NoIndex,
    };

    private static string Absolute(string link, string root) => link.Contains("://") ? link : Path.GetFullPath(link, root);

    public IReadOnlyList<string> Arguments =>
    [
        .. IndexUrl is { } url ? new[] { "--index-url", url } : [],
        .. ExtraIndexUrls.SelectMany(u => new[] { "--extra-index-url", u }),
        .. FindLinks.SelectMany(f => new[] { "--find-links", f }),
        .. NoIndex ? new[] { "--no-index" } : [],
    ];
}
