using Wasipy.Errors;

namespace Wasipy.Sources;

/// <summary>One entry of a tree, found without following links: its path relative to the tree ('/' separated),
/// what it is, and for a link, its target's text.</summary>
public sealed record TreeEntry(string Relative, string FullPath, FileKind Kind, string? LinkTarget);

/// <summary>
/// The one rule for every tree wasipy unpacks, copies or hashes (archives, git checkouts, --source and app folders,
/// package site folders, stdlib trees): links are never followed out of the tree. A tree is walked without
/// following any link; a link stays inside only if its target, resolved through the other links of the same tree
/// (as the kernel would), never leaves it; an absolute target always leaves (the copy would point back at the
/// original). FIFOs, sockets and devices are refused, never opened. Every walk checks its cancellation token.
/// </summary>
public static class SafeTree
{
    /// <summary>The kernel's own limit on links followed in one path (Linux, ELOOP).</summary>
    private const int MaxLinkHops = 40;

    /// <summary>Every entry under <paramref name="root"/> (not the root itself), depth first in ordinal order of
    /// names, never entering a link. <paramref name="skip"/> leaves out an entry (and, for a folder, what it holds).</summary>
    public static IEnumerable<TreeEntry> Walk(string root, CancellationToken cancellation = default, Func<string, bool>? skip = null)
    {
        root = Path.GetFullPath(root);
        var pending = new Stack<string>();
        pending.Push("");
        while (pending.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            var relativeDir = pending.Pop();
            var dir = relativeDir.Length == 0 ? root : Path.Combine(root, relativeDir);
            var names = Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false })
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
            var folders = new List<string>();
            foreach (var name in names)
            {
                cancellation.ThrowIfCancellationRequested();
                var relative = relativeDir.Length == 0 ? name : relativeDir + "/" + name;
                if (skip?.Invoke(relative) == true) continue;
                var full = Path.Combine(dir, name);
                var kind = FileKinds.Of(full);
                if (kind == FileKind.Missing) continue;   // removed while walking
                yield return new TreeEntry(relative, full, kind, kind == FileKind.SymbolicLink ? new FileInfo(full).LinkTarget ?? "" : null);
                if (kind == FileKind.Directory) folders.Add(relative);
            }
            for (var i = folders.Count - 1; i >= 0; i--) pending.Push(folders[i]);
        }
    }

    /// <summary>Where the link at <paramref name="relative"/> (inside <paramref name="root"/>) ends up, relative to the
    /// root, following the tree's other links; null if it leaves the tree (or is a chain of more than 40 links).</summary>
    public static string? ResolveInside(string root, string relative, string linkTarget)
    {
        root = Path.GetFullPath(root);
        var stack = relative.Split('/', StringSplitOptions.RemoveEmptyEntries).SkipLast(1).ToList();
        var queue = new LinkedList<string>();
        var hops = 0;
        if (!Enqueue(linkTarget)) return null;
        while (queue.First is { } first)
        {
            var part = first.Value;
            queue.RemoveFirst();
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (stack.Count == 0) return null;
                stack.RemoveAt(stack.Count - 1);
                continue;
            }
            stack.Add(part);
            var here = Path.Combine([root, .. stack]);
            if (FileKinds.Of(here) != FileKind.SymbolicLink) continue;   // a folder, a file or nothing yet: resolved lexically
            if (++hops > MaxLinkHops) return null;
            stack.RemoveAt(stack.Count - 1);
            if (!Enqueue(new FileInfo(here).LinkTarget ?? "")) return null;
        }
        return string.Join('/', stack);

        bool Enqueue(string target)
        {
            if (target.StartsWith('/') || target.StartsWith('\\') || Path.IsPathRooted(target)) return false;
            var node = (LinkedListNode<string>?)null;
            foreach (var p in target.Replace('\\', '/').Split('/'))
                node = node is null ? queue.AddFirst(p) : queue.AddAfter(node, p);
            return true;
        }
    }

    /// <summary>The first link in the tree whose target leaves it, as (relative path, target); null if there is none.</summary>
    public static (string Relative, string Target)? FirstEscapingLink(string root, CancellationToken cancellation = default, Func<string, bool>? skip = null)
    {
        foreach (var entry in Walk(root, cancellation, skip))
            if (entry.Kind == FileKind.SymbolicLink && ResolveInside(root, entry.Relative, entry.LinkTarget!) is null)
                return (entry.Relative, entry.LinkTarget!);
        return null;
    }

    /// <summary>
    /// Copies the tree at <paramref name="source"/> into <paramref name="destination"/> (files with their modes and
    /// times, folders, links as links): a link is copied only if it stays inside the tree, else the copy is refused,
    /// naming it; a FIFO, socket or device is refused. Top-level entries named in <paramref name="skipTop"/> are
    /// left out. The destination is made afresh unless <paramref name="merge"/>, where files replace files of the
    /// same name. The source is only read, and the check comes before anything is written.
    /// </summary>
    public static void Copy(string source, string destination, CancellationToken cancellation = default, IReadOnlyCollection<string>? skipTop = null, bool merge = false)
    {
        source = Path.GetFullPath(source);
        bool Skip(string relative) => skipTop is not null && !relative.Contains('/') && skipTop.Contains(relative);
        var entries = Walk(source, cancellation, Skip).ToList();
        foreach (var entry in entries)
        {
            if (entry.Kind == FileKind.Special)
                throw new WasipyException($"{entry.FullPath} is a FIFO, socket or device, which wasipy does not copy; remove it from the folder", 2);
            if (entry.Kind == FileKind.SymbolicLink && ResolveInside(source, entry.Relative, entry.LinkTarget!) is null)
                throw Escapes(source, entry);
        }
        if (merge) Directory.CreateDirectory(destination);
        else FileSystem.RecreateDirectory(destination);
        foreach (var entry in entries)
        {
            cancellation.ThrowIfCancellationRequested();
            var target = Path.Combine(destination, entry.Relative);
            // Merging: what is there already gives way (a link there is removed, never written through).
            if (merge && FileKinds.Of(target) is var existing and not FileKind.Missing && !(existing == FileKind.Directory && entry.Kind == FileKind.Directory))
            {
                if (existing == FileKind.Directory) Directory.Delete(target, recursive: true);
                else File.Delete(target);
            }
            switch (entry.Kind)
            {
                case FileKind.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case FileKind.SymbolicLink:
                    File.CreateSymbolicLink(target, entry.LinkTarget!);
                    break;
                default:
                    File.Copy(entry.FullPath, target);
                    File.SetUnixFileMode(target, File.GetUnixFileMode(entry.FullPath));
                    File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(entry.FullPath));
                    break;
            }
        }
    }

    /// <summary>The refusal for a link that leaves its tree: names the link and its target, and what to do.</summary>
    public static WasipyException Escapes(string root, TreeEntry link) =>
        new($"{link.FullPath} is a link to '{link.LinkTarget}', which leaves {root}; wasipy never follows a link out of a folder it copies or hashes: " +
            "replace the link with the file, or point it inside the folder", 2);

    /// <summary>Is <paramref name="path"/> (absolute, normalised) <paramref name="root"/> or inside it?</summary>
    public static bool IsInside(string root, string path)
    {
        root = Path.TrimEndingDirectorySeparator(root);
        return path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>The path with every link along it resolved (realpath); the part that does not exist is kept as written.</summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var queue = new LinkedList<string>(full.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var stack = new List<string>();
        var hops = 0;
        while (queue.First is { } first)
        {
            var part = first.Value;
            queue.RemoveFirst();
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (stack.Count > 0) stack.RemoveAt(stack.Count - 1);
                continue;
            }
            stack.Add(part);
            var here = "/" + string.Join('/', stack);
            if (FileKinds.Of(here) != FileKind.SymbolicLink) continue;
            if (++hops > MaxLinkHops) throw new WasipyException($"{path}: more than {MaxLinkHops} links in a row; is it a loop of links?", 2);
            stack.RemoveAt(stack.Count - 1);
            var target = new FileInfo(here).LinkTarget ?? "";
            if (target.StartsWith('/')) stack.Clear();
            var node = (LinkedListNode<string>?)null;
            foreach (var p in target.Split('/'))
                node = node is null ? queue.AddFirst(p) : queue.AddAfter(node, p);
        }
        return "/" + string.Join('/', stack);
    }
}
