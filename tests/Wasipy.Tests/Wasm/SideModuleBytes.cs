namespace Wasipy.Tests.Wasm;

/// <summary>Side modules the tests make: a module from text with a dylink.0 section put first, or such a section
/// written by hand (sizes, lengths and counts as a hostile file might state them).</summary>
internal static class SideModuleBytes
{
    public static byte[] Leb(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        } while (value != 0);
        return [.. bytes];
    }

    public static byte[] Name(string name) => [.. Leb((ulong)name.Length), .. System.Text.Encoding.UTF8.GetBytes(name)];

    /// <summary>The payload of a dylink.0 section: memory info (sizes, log2 alignments) and needed libraries.</summary>
    public static byte[] DylinkPayload(uint memorySize, uint memoryAlign = 2, uint tableSize = 0, uint tableAlign = 0, params string[] needed)
    {
        byte[] memInfo = [.. Leb(memorySize), .. Leb(memoryAlign), .. Leb(tableSize), .. Leb(tableAlign)];
        var payload = new List<byte>(Name("dylink.0")) { 1 };
        payload.AddRange(Leb((ulong)memInfo.Length));
        payload.AddRange(memInfo);
        if (needed.Length > 0)
        {
            byte[] list = [.. Leb((ulong)needed.Length), .. needed.SelectMany(Name)];
            payload.Add(2);
            payload.AddRange(Leb((ulong)list.Length));
            payload.AddRange(list);
        }
        return [.. payload];
    }

    /// <summary>A module from <paramref name="wat"/> with <paramref name="payload"/> as its first (custom) section.</summary>
    public static byte[] Side(string wat, byte[] payload)
    {
        var module = Wasmtime.Module.ConvertText(wat);
        return [.. module.AsSpan(0, 8), 0, .. Leb((ulong)payload.Length), .. payload, .. module.AsSpan(8)];
    }

    public static readonly byte[] Header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
}
