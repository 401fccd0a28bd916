using Wasipy.Sources;

namespace Wasipy.SharedCache;

/// <summary>What a scope held at one moment: each entry's kind, size, time and link target, by relative path ("" for a
/// scope that is a file).</summary>
public sealed class ScopeState
{
    public readonly record struct Item(FileKind Kind, long Size, long Ticks, string? Link);

    public IReadOnlyDictionary<string, Item> Items { get; }

    private ScopeState(Dictionary<string, Item> items) => Items = items;

    public static ScopeState Empty { get; } = new(new());

    public static ScopeState Of(string path, CancellationToken cancellation)
    {
        var items = new Dictionary<string, Item>(StringComparer.Ordinal);
        switch (FileKinds.Of(path))
        {
            case FileKind.Missing:
                break;
            case FileKind.Directory:
                foreach (var e in SafeTree.Walk(path, cancellation))
                    items[e.Relative] = ItemOf(e.FullPath, e.Kind, e.LinkTarget);
                break;
            case var kind:
                items[""] = ItemOf(path, kind, kind == FileKind.SymbolicLink ? new FileInfo(path).LinkTarget : null);
                break;
        }
        return new ScopeState(items);
    }

    private static Item ItemOf(string path, FileKind kind, string? link)
    {
        if (kind != FileKind.File) return new Item(kind, 0, 0, link);
        var info = new FileInfo(path);
        return new Item(kind, info.Length, info.LastWriteTimeUtc.Ticks, null);
    }

    /// <summary>The entries that are new or changed since <paramref name="before"/>, in path order.</summary>
    public IEnumerable<string> ChangedSince(ScopeState before) =>
        Items.Where(i => !before.Items.TryGetValue(i.Key, out var old) || old != i.Value).Select(i => i.Key).Order(StringComparer.Ordinal);
}
