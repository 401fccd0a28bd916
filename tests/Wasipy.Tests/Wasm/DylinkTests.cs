using Wasipy.Wasm;
using static Wasipy.Tests.Wasm.SideModuleBytes;

namespace Wasipy.Tests.Wasm;

public class DylinkTests
{
    private const string EmptyWat = "(module)";

    [Fact]
    public void Reads_the_data_size_table_size_alignments_and_needed_libraries()
    {
        var info = Dylink.Parse(Side(EmptyWat, DylinkPayload(1234, 4, 7, 1, "libfoo.so", "libbar.so")));
        Assert.Equal(new DylinkInfo(1234, 4, 7, 1, info.Needed), info);
        Assert.Equal(["libfoo.so", "libbar.so"], info.Needed);
    }

    [Fact]
    public void A_module_without_a_dylink_section_is_not_a_side_module()
    {
        var e = Assert.Throws<DylinkException>(() => Dylink.Parse(Wasmtime.Module.ConvertText("(module (func (export \"f\")))")));
        Assert.Contains("not a side module", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_wasm_is_refused()
    {
        Assert.Contains("not a WebAssembly module", Assert.Throws<DylinkException>(() => Dylink.Parse([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0])).Message);
        Assert.Contains("not a WebAssembly module", Assert.Throws<DylinkException>(() => Dylink.Parse([])).Message);
    }

    [Fact]
    public void A_section_longer_than_the_file_is_refused_as_truncated()
    {
        byte[] bytes = [.. Header, 0, .. Leb(1000), .. Name("dylink.0"), 1, 4, 0, 0, 0, 0];
        Assert.Contains("truncated", Assert.Throws<DylinkException>(() => Dylink.Parse(bytes)).Message);
    }

    [Fact]
    public void A_file_cut_inside_the_dylink_section_is_refused_as_truncated()
    {
        var whole = Side(EmptyWat, DylinkPayload(16));
        for (var length = 9; length < 8 + 2 + 9 + 6; length++)
            Assert.Throws<DylinkException>(() => Dylink.Parse(whole.AsSpan(0, length)));
    }

    [Fact]
    public void A_subsection_longer_than_its_section_is_refused()
    {
        byte[] payload = [.. Name("dylink.0"), 1, .. Leb(200), 0, 0, 0, 0];
        Assert.Contains("past the end", Assert.Throws<DylinkException>(() => Dylink.Parse(Side(EmptyWat, payload))).Message);
    }

    [Theory]
    [InlineData(1u << 30, 2u, 0u, 0u, "bytes of data")]
    [InlineData(16u, 2u, 1u << 24, 0u, "table slots")]
    [InlineData(16u, 31u, 0u, 0u, "alignment")]
    [InlineData(16u, 2u, 4u, 40u, "alignment")]
    public void Sizes_and_alignments_out_of_range_are_refused(uint memory, uint memoryAlign, uint table, uint tableAlign, string what)
    {
        var e = Assert.Throws<DylinkException>(() => Dylink.Parse(Side(EmptyWat, DylinkPayload(memory, memoryAlign, table, tableAlign))));
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void A_number_longer_than_five_bytes_is_refused()
    {
        byte[] payload = [.. Name("dylink.0"), 1, 10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0];
        Assert.Contains("5 bytes", Assert.Throws<DylinkException>(() => Dylink.Parse(Side(EmptyWat, payload))).Message);
    }

    [Fact]
    public void A_needed_count_larger_than_the_section_is_refused()
    {
        byte[] list = [.. Leb(1_000_000), .. Name("a.so")];
        byte[] payload = [.. Name("dylink.0"), 2, .. Leb((ulong)list.Length), .. list];
        Assert.Contains("more than the section holds", Assert.Throws<DylinkException>(() => Dylink.Parse(Side(EmptyWat, payload))).Message);
    }

    [Fact]
    public void An_old_style_dylink_section_is_named()
    {
        byte[] payload = [.. Name("dylink"), 0, 0, 0, 0];
        Assert.Contains("old-style", Assert.Throws<DylinkException>(() => Dylink.Parse(Side(EmptyWat, payload))).Message);
    }

    [Fact]
    public void The_main_table_maps_exported_functions_to_their_slots()
    {
        var main = Wasmtime.Module.ConvertText("""
            (module
              (table (export "__indirect_function_table") 4 funcref)
              (func $a (export "a")) (func $b (export "b")) (func $c (export "c"))
              (elem (i32.const 1) $c $a))
            """);
        var table = Dylink.ReadMainTable(main);
        Assert.Equal(2u, table.SlotOfFunction[table.FunctionOfExport["a"]]);
        Assert.Equal(1u, table.SlotOfFunction[table.FunctionOfExport["c"]]);
        Assert.False(table.SlotOfFunction.ContainsKey(table.FunctionOfExport["b"]));
    }
}
