using System.Buffers.Binary;
using System.Text;

namespace Wasipy.Stdlib;

/// <summary>
/// Writes a folder as the read-only file system image that vfs/wasipy_vfs.c serves from inside python.wasm.
/// Layout (little endian): "WPYVFS2\0", u32 entry count, u32 mount length, the mount path (padded to 4),
/// entries of eight u32 (name offset, name length, parent, kind 0 file / 1 dir / 2 deflated file, first child
/// (for a deflated file: its stored size), child count, data offset, data size), then names and file contents.
/// Entry 0 is the root; the children of a folder are consecutive and sorted bytewise by UTF-8 name, so the guest
/// can binary-search them. With compression on, a file is stored as a zlib stream when that saves at least an
/// eighth of it; the guest inflates it when it is opened.
/// </summary>
public static class VfsImage
{
    /// <summary>The image format (its magic); part of the vfs-image step's cache key, so a new format re-packs.</summary>
    public const string Format = "WPYVFS2";
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes(Format + "\0");
    private const int KindFile = 0, KindDirectory = 1, KindDeflated = 2;
    private const int EntrySize = 32;

    private sealed record Node(byte[] Name, int Parent, string? FilePath, List<Node> Children)
    {
        public int Index { get; set; }
        public int FirstChild { get; set; }
        public bool IsDirectory => FilePath is null;
    }

    /// <summary>Writes the image and returns its size in bytes.</summary>
    public static long Write(string folder, string mountPoint, string output, bool compress = true, CancellationToken cancellation = default)
    {
        if (!Directory.Exists(folder))
            throw new Errors.WasipyException($"cannot pack {folder}: the folder does not exist");
        folder = Path.GetFullPath(folder);
        var root = new Node([], 0, null, []);
        var order = new List<Node> { root };
        var queue = new Queue<(Node Node, string Path)>();
        queue.Enqueue((root, folder));
        while (queue.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            var (dir, path) = queue.Dequeue();
            dir.FirstChild = order.Count;
            var children = new DirectoryInfo(path).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 })
                .Select(info => (Info: info, Name: Encoding.UTF8.GetBytes(info.Name)))
                .OrderBy(c => c.Name, ByteComparer.Instance);
            foreach (var (info, name) in children)
            {
                var kind = Sources.FileKinds.Of(info.FullName);
                var isDir = kind == Sources.FileKind.Directory;
                var node = new Node(name, dir.Index, isDir ? null : Contents(folder, info.FullName, kind), []) { Index = order.Count };
                dir.Children.Add(node);
                order.Add(node);
                if (isDir) queue.Enqueue((node, info.FullName));
            }
        }

        var mount = Encoding.UTF8.GetBytes(mountPoint);
        var headerSize = 16 + Align4(mount.Length);
        var namesStart = headerSize + order.Count * EntrySize;
        var namesSize = order.Sum(n => n.Name.Length);
        var dataOffset = (long)namesStart + namesSize;

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        using var stream = File.Create(output);
        var header = new byte[headerSize];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)order.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)mount.Length);
        mount.CopyTo(header, 16);
        stream.Write(header);

        var nameOffset = (long)namesStart;
        var entry = new byte[EntrySize];
        var contents = order.Select(n => n.IsDirectory ? null : Stored(File.ReadAllBytes(n.FilePath!), compress)).ToList();
        foreach (var (node, content) in order.Zip(contents))
        {
            Put(entry, 0, nameOffset);
            Put(entry, 4, node.Name.Length);
            Put(entry, 8, node.Parent);
            Put(entry, 12, node.IsDirectory ? KindDirectory : content!.Deflated ? KindDeflated : KindFile);
            Put(entry, 16, node.IsDirectory ? node.FirstChild : content!.Deflated ? content.Bytes.Length : 0);
            Put(entry, 20, node.Children.Count);
            Put(entry, 24, node.IsDirectory ? 0 : dataOffset);
            Put(entry, 28, content?.Size ?? 0);
            stream.Write(entry);
            nameOffset += node.Name.Length;
            dataOffset += content?.Bytes.Length ?? 0;
        }
        if (dataOffset > uint.MaxValue)
            throw new Errors.WasipyException($"{folder} is too large for a file system image (over 4 GiB)");
        foreach (var node in order) stream.Write(node.Name);
        foreach (var content in contents.OfType<StoredFile>()) stream.Write(content.Bytes);
        return stream.Length;
    }

    /// <summary>Where an entry's bytes come from: a file is itself; a link must lead, inside the folder, to a regular
    /// file (its bytes are stored); anything else is refused, naming the entry.</summary>
    private static string Contents(string folder, string path, Sources.FileKind kind)
    {
        if (kind == Sources.FileKind.File) return path;
        if (kind == Sources.FileKind.SymbolicLink)
        {
            var target = new FileInfo(path).LinkTarget ?? "";
            var relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
            if (Sources.SafeTree.ResolveInside(folder, relative, target) is not { } inside)
                throw new Errors.WasipyException($"cannot pack {folder}: {path} is a link to '{target}', which leaves the folder; wasipy never follows a link out of a folder it packs", 2);
            var resolved = Path.Combine(folder, inside);
            if (Sources.FileKinds.Of(resolved) == Sources.FileKind.File) return resolved;
            throw new Errors.WasipyException($"cannot pack {folder}: {path} is a link to '{target}', which is not a file in the folder; the image holds files and folders only", 2);
        }
        throw new Errors.WasipyException($"cannot pack {folder}: {path} is a FIFO, socket or device; remove it from the folder", 2);
    }

    /// <summary>A file's bytes as stored in the image; Size is its real (inflated) size.</summary>
    private sealed record StoredFile(byte[] Bytes, bool Deflated, long Size);

    private static StoredFile Stored(byte[] data, bool compress)
    {
        if (!compress || data.Length < 64) return new StoredFile(data, false, data.Length);
        using var buffer = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            zlib.Write(data);
        var deflated = buffer.ToArray();
        return deflated.Length <= data.Length - data.Length / 8 ? new StoredFile(deflated, true, data.Length) : new StoredFile(data, false, data.Length);
    }

    private static int Align4(int n) => (n + 3) & ~3;

    private static void Put(byte[] buffer, int at, long value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), checked((uint)value));

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y.AsSpan());
    }
}
