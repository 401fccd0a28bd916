using System.Buffers.Binary;
using System.Text;
using Wasipy.Stdlib;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Stdlib;

public class VfsImageTests
{
    [Fact]
    public void The_image_lists_children_consecutively_and_sorted_with_their_contents()
    {
        using var dir = new TempDir();
        dir.File("tree/b.txt", "bee");
        dir.File("tree/a/z.txt", "zed");
        dir.File("tree/a/y.txt", "why");
        var size = VfsImage.Write(dir.Combine("tree"), "/opt/wasi-python", dir.Combine("img"));

        var image = File.ReadAllBytes(dir.Combine("img"));
        Assert.Equal(image.Length, size);
        Assert.Equal("WPYVFS2\0", Encoding.ASCII.GetString(image, 0, 8));
        var count = (int)U32(image, 8);
        var mountLength = (int)U32(image, 12);
        Assert.Equal("/opt/wasi-python", Encoding.UTF8.GetString(image, 16, mountLength));
        var table = 16 + ((mountLength + 3) & ~3);
        string Name(int i) => Encoding.UTF8.GetString(image, (int)U32(image, table + i * 32), (int)U32(image, table + i * 32 + 4));
        uint Field(int i, int f) => U32(image, table + i * 32 + f * 4);
        string Data(int i) => Encoding.UTF8.GetString(image, (int)Field(i, 6), (int)Field(i, 7));

        Assert.Equal(5, count);                             // root, a, b.txt, a/y.txt, a/z.txt
        Assert.Equal((1u, 1u, 2u), (Field(0, 3), Field(0, 4), Field(0, 5))); // a folder, children from entry 1, two of them
        Assert.Equal(["a", "b.txt"], [Name(1), Name(2)]);
        Assert.Equal((1u, 3u, 2u), (Field(1, 3), Field(1, 4), Field(1, 5)));
        Assert.Equal(["y.txt", "z.txt"], [Name(3), Name(4)]);
        Assert.Equal(1u, Field(3, 2));                      // parent of a/y.txt is a
        Assert.Equal(["bee", "why", "zed"], [Data(2), Data(3), Data(4)]);
    }

    [Fact]
    public void A_compressible_file_is_stored_deflated_with_its_real_size_and_a_small_one_as_it_is()
    {
        using var dir = new TempDir();
        var text = string.Concat(Enumerable.Repeat("import os, sys  # a line python would compile\n", 200));
        dir.File("tree/big.py", text);
        dir.File("tree/tiny.py", "pass\n");
        VfsImage.Write(dir.Combine("tree"), "/opt/wasi-python", dir.Combine("img"));
        VfsImage.Write(dir.Combine("tree"), "/opt/wasi-python", dir.Combine("plain"), compress: false);

        var image = File.ReadAllBytes(dir.Combine("img"));
        var table = 16 + (("/opt/wasi-python".Length + 3) & ~3);
        uint Field(int i, int f) => U32(image, table + i * 32 + f * 4);
        // entries: root, big.py, tiny.py
        Assert.Equal((2u, (uint)text.Length), (Field(1, 3), Field(1, 7)));          // deflated, real size kept
        var stored = image.AsSpan((int)Field(1, 6), (int)Field(1, 4)).ToArray();   // first_child holds the stored size
        Assert.True(stored.Length < text.Length / 10, $"{stored.Length} bytes stored for {text.Length}");
        using var inflate = new System.IO.Compression.ZLibStream(new MemoryStream(stored), System.IO.Compression.CompressionMode.Decompress);
        Assert.Equal(text, new StreamReader(inflate).ReadToEnd());
        Assert.Equal((0u, 5u), (Field(2, 3), Field(2, 7)));                          // too small to be worth it
        Assert.True(new FileInfo(dir.Combine("plain")).Length > image.Length + text.Length / 2);
    }

    private static uint U32(byte[] bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
}
