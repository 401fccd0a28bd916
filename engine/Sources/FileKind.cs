using System.Runtime.InteropServices;

namespace Wasipy.Sources;

public enum FileKind { Missing, File, Directory, SymbolicLink, Special }

/// <summary>
/// What a path is, without following links or opening it (opening a FIFO waits for a writer). .NET has no public
/// API for the file type, so this asks the runtime's own native shim (System.Native's lstat, whose FileStatus starts
/// with Flags and Mode on every platform .NET supports).
/// </summary>
public static class FileKinds
{
    private const int TypeMask = 0xF000, Regular = 0x8000, Dir = 0x4000, Link = 0xA000;

    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
    private static extern int LStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus status);

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus status);

    /// <summary>What the path itself is (a link is a link).</summary>
    public static FileKind Of(string path) => LStat(path, out var status) != 0 ? FileKind.Missing : KindOf(status);

    /// <summary>What the path leads to, through links (a dangling link is Missing).</summary>
    public static FileKind OfTarget(string path) => Stat(path, out var status) != 0 ? FileKind.Missing : KindOf(status);

    /// <summary>
    /// Refuses, without opening it, a path that is not a regular file (through links): a FIFO would block the read, a
    /// device never ends, a folder is not a file. <paramref name="what"/> says what it was meant to be ("patch").
    /// </summary>
    public static void RequireRegularFile(string path, string what)
    {
        var problem = OfTarget(path) switch
        {
            FileKind.File => null,
            FileKind.Missing => "does not exist",
            FileKind.Directory => "is a folder, not a file",
            _ => "is a FIFO, socket or device, not a regular file; wasipy reads only regular files",
        };
        if (problem is not null) throw new Errors.WasipyException($"{what} {path} {problem}", 2);
    }

    private static FileKind KindOf(FileStatus status) =>
        (status.Mode & TypeMask) switch
        {
            Regular => FileKind.File,
            Dir => FileKind.Directory,
            Link => FileKind.SymbolicLink,
            _ => FileKind.Special,
        };
}
