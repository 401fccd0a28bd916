using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wasipy.SharedCache;

/// <summary>
/// A unit's result in the cache (the "action result", kept under ac/ADDRESS): which tar blob holds its outputs
/// (cas/SHA256), the scopes they go into, relative to the project folder, and the files whose text named the
/// project folder. <see cref="PinnedRoot"/>: a file that is not text names the folder the unit was built in, so the
/// outputs are only good in a checkout at that same path.
/// </summary>
public sealed record UnitEntry
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Unit { get; init; }
    public required string ArchiveSha256 { get; init; }
    public required long ArchiveSize { get; init; }
    public required IReadOnlyList<ScopeRecord> Scopes { get; init; }
    public IReadOnlyList<string> Relocated { get; init; } = [];
    public string? PinnedRoot { get; init; }
    /// <summary>A file that keeps the checkout's path, as the reason the entry is pinned (for people).</summary>
    public string? PinnedBy { get; init; }
    public DateTimeOffset Created { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The entry, or null when the text is not one this version reads (a corrupt or foreign entry is a miss).</summary>
    public static UnitEntry? Parse(string text)
    {
        try
        {
            var entry = JsonSerializer.Deserialize<UnitEntry>(text, Json);
            return entry is { Format: CurrentFormat } && IsSha256(entry.ArchiveSha256) && entry.ArchiveSize >= 0 && entry.Scopes is not null ? entry : null;
        }
        catch (JsonException) { return null; }
        catch (NotSupportedException) { return null; }
    }

    public static bool IsSha256(string? text) => text is { Length: 64 } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>One scope of an entry: its path relative to the project folder, and whether it is stored whole.</summary>
public sealed record ScopeRecord(string Path, bool Whole);
