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

    public static FileKind Of(string path)
    {
        if (LStat(path, out var status) != 0) return FileKind.Missing;
        return (status.Mode & TypeMask) switch
        {
            Regular => FileKind.File,
            Dir => FileKind.Directory,
            Link => FileKind.SymbolicLink,
            _ => FileKind.Special,
        };
    }
}
