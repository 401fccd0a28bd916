using System.Text;

namespace Wasipy.Wasm;

/// <summary>What a side module's <c>dylink.0</c> section asks of its loader (WebAssembly tool-conventions,
/// DynamicLinking.md): bytes of data memory and table slots, their alignments (log2), and the libraries it needs.</summary>
public sealed record DylinkInfo(uint MemorySize, uint MemoryAlign, uint TableSize, uint TableAlign, IReadOnlyList<string> Needed);

/// <summary>A side module the loader refuses: the message says what is wrong with the file.</summary>
public sealed class DylinkException(string message) : Exception(message);

/// <summary>
/// Reads the parts of wasm binaries the side-module loader needs, with every length checked against what is left:
/// a side module's <c>dylink.0</c> section, and a main module's exported functions and table slots (so that a
/// function already in the table keeps its index: function pointers compare equal across modules).
/// </summary>
public static class Dylink
{
    /// <summary>Limits a side module may ask for: more data than this, more table slots, or a larger alignment is refused.</summary>
    public const uint MaxMemorySize = 256u << 20, MaxTableSize = 1u << 20, MaxAlignLog2 = 16;

    /// <summary>The dylink.0 section, which must be the module's first section.</summary>
    public static DylinkInfo Parse(ReadOnlySpan<byte> module)
    {
        var r = new Reader(module);
        if (module.Length < 8 || r.U32Le() != 0x6d736100) throw new DylinkException("not a WebAssembly module (no \\0asm header)");
        if (r.U32Le() != 1) throw new DylinkException("not a WebAssembly version 1 module");
        if (r.AtEnd || r.Byte() != 0) throw new DylinkException("no dylink.0 section: not a side module (link it with wasm-ld -shared --experimental-pic)");
        var section = r.Sub(r.Leb(), "the dylink.0 section");
        var name = section.Name();
        if (name != "dylink.0")
            throw new DylinkException(name == "dylink"
                ? "an old-style 'dylink' section; relink with LLVM 13 or later (dylink.0)"
                : "no dylink.0 section first: not a side module (link it with wasm-ld -shared --experimental-pic)");
        DylinkInfo? info = null;
        var needed = new List<string>();
        while (!section.AtEnd)
        {
            var kind = section.Byte();
            var sub = section.Sub(section.Leb(), $"dylink.0 subsection {kind}");
            switch (kind)
            {
                case 1:   // WASM_DYLINK_MEM_INFO
                    info = new DylinkInfo(sub.Leb(), sub.Leb(), sub.Leb(), sub.Leb(), needed);
                    break;
                case 2:   // WASM_DYLINK_NEEDED
                    for (var n = sub.Count("needed library"); n > 0; n--) needed.Add(sub.Name());
                    break;
                default:  // export info, import info, runtime path: not needed to load
                    break;
            }
        }
        info ??= new DylinkInfo(0, 0, 0, 0, needed);
        if (info.MemorySize > MaxMemorySize) throw new DylinkException($"dylink.0 asks for {info.MemorySize} bytes of data, more than the {MaxMemorySize >> 20} MiB a side module may have");
        if (info.TableSize > MaxTableSize) throw new DylinkException($"dylink.0 asks for {info.TableSize} table slots, more than the {MaxTableSize} a side module may have");
        if (info.MemoryAlign > MaxAlignLog2 || info.TableAlign > MaxAlignLog2)
            throw new DylinkException($"dylink.0 asks for an alignment of 2^{Math.Max(info.MemoryAlign, info.TableAlign)}, more than 2^{MaxAlignLog2}");
        return info;
    }

    /// <summary>A main module's function table as its file says: for each function index placed in the table by an
    /// active element segment of table 0 (its first slot), and each exported function's index by name.</summary>
    public sealed record MainTable(IReadOnlyDictionary<uint, uint> SlotOfFunction, IReadOnlyDictionary<string, uint> FunctionOfExport);

    /// <summary>Reads <see cref="MainTable"/> from a main module's bytes; segments it cannot read (other than the
    /// plain active ones wasm-ld writes) are left out, which only costs those functions a second slot.</summary>
    public static MainTable ReadMainTable(ReadOnlySpan<byte> module)
    {
        var slots = new Dictionary<uint, uint>();
        var exports = new Dictionary<string, uint>(StringComparer.Ordinal);
        var r = new Reader(module);
        if (module.Length < 8 || r.U32Le() != 0x6d736100) throw new DylinkException("not a WebAssembly module (no \\0asm header)");
        r.U32Le();
        while (!r.AtEnd)
        {
            var id = r.Byte();
            var s = r.Sub(r.Leb(), $"section {id}");
            if (id == 7)   // exports
                for (var n = s.Count("export"); n > 0; n--)
                {
                    var name = s.Name();
                    var kind = s.Byte();
                    var index = s.Leb();
                    if (kind == 0) exports.TryAdd(name, index);
                }
            else if (id == 9)   // elements
                for (var n = s.Count("element segment"); n > 0; n--)
                {
                    var flags = s.Leb();
                    if (flags is not (0 or 2)) return new MainTable(slots, exports);   // passive, declarative or expressions: not read
                    if (flags == 2 && s.Leb() != 0) return new MainTable(slots, exports);
                    if (s.Byte() != 0x41) return new MainTable(slots, exports);        // offset: i32.const N, end
                    var offset = (uint)s.Sleb();
                    if (s.Byte() != 0x0b) return new MainTable(slots, exports);
                    if (flags == 2 && s.Byte() != 0) return new MainTable(slots, exports);   // elemkind funcref
                    var count = s.Count("element");
                    for (uint i = 0; i < count; i++) slots.TryAdd(s.Leb(), offset + i);
                }
        }
        return new MainTable(slots, exports);
    }

    /// <summary>A bounded reader over a span: every read past its end is a <see cref="DylinkException"/>.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _pos;

        public readonly bool AtEnd => _pos >= _bytes.Length;

        public byte Byte() => _pos < _bytes.Length ? _bytes[_pos++] : throw Truncated();

        public uint U32Le() => (uint)(Byte() | Byte() << 8 | Byte() << 16 | Byte() << 24);

        public uint Leb()
        {
            ulong result = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = Byte();
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0) return result <= uint.MaxValue ? (uint)result : throw new DylinkException("a number larger than 32 bits");
            }
            throw new DylinkException("a number longer than 5 bytes");
        }

        public int Sleb()
        {
            long result = 0;
            var shift = 0;
            byte b;
            do
            {
                if (shift >= 35) throw new DylinkException("a number longer than 5 bytes");
                b = Byte();
                result |= (long)(b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            if ((b & 0x40) != 0) result |= -1L << shift;
            return (int)result;
        }

        /// <summary>A count of items each at least one byte long: more than the bytes left is a lie.</summary>
        public uint Count(string what)
        {
            var n = Leb();
            return n <= _bytes.Length - _pos ? n : throw new DylinkException($"{n} {what}(s) announced, more than the section holds");
        }

        public Reader Sub(uint length, string what)
        {
            if (length > _bytes.Length - _pos) throw new DylinkException($"{what} is {length} bytes long, past the end of the file (truncated?)");
            var sub = new Reader(_bytes.Slice(_pos, (int)length));
            _pos += (int)length;
            return sub;
        }

        public string Name()
        {
            var length = Leb();
            if (length > _bytes.Length - _pos) throw Truncated();
            var text = Encoding.UTF8.GetString(_bytes.Slice(_pos, (int)length));
            _pos += (int)length;
            return text;
        }

        private static DylinkException Truncated() => new("the file ends inside a section (truncated?)");
    }
}
