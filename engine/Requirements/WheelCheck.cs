using System.IO.Compression;

namespace Wasipy.Requirements;

/// <summary>What a wheel may hold before pip unpacks it into site-packages: relative names that stay inside it, and
/// regular files (no links, no devices).</summary>
public static class WheelCheck
{
    /// <summary>Null when the wheel is safe to install, else what is wrong with it (naming the entry).</summary>
    public static string? Problem(string wheelPath)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(wheelPath);
        }
        catch (InvalidDataException e)
        {
            return $"it is not a zip archive ({e.Message})";
        }
        using (zip)
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                if (name.StartsWith('/') || name.Contains('\\') || (name.Length > 1 && name[1] == ':'))
                    return $"its entry '{name}' has an absolute name";
                if (name.Split('/').Any(part => part == ".."))
                    return $"its entry '{name}' leaves site-packages through '..'";
                // Unix mode in the high 16 bits: only regular files (and folders) are accepted.
                var type = (entry.ExternalAttributes >> 16) & 0xF000;
                if (type != 0 && type != 0x8000 && type != 0x4000)
                    return $"its entry '{name}' is a {(type == 0xA000 ? "symbolic link" : "special file")}, not a regular file";
            }
        return null;
    }
}
