using System.IO.Compression;
using System.Security.Cryptography;
using Wasipy.Requirements;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Requirements;

/// <summary>The wheels a dynamic build writes of its packages' side modules.</summary>
public class WheelWriterTests
{
    private static string Write(TempDir dir, string folder, string name = "ruamel.yaml", string version = "0.18.6")
    {
        var module = dir.File("src/pkg/__init__.py", "X = 1\n");
        var side = dir.File("src/pkg/_fast.cpython-313-wasm32-wasi.so", "\0asm side module");
        return WheelWriter.Write(dir.Combine(folder), name, version, WheelWriter.Tag("3.13"),
            [("pkg/_fast.cpython-313-wasm32-wasi.so", side), ("pkg/__init__.py", module)]);
    }

    [Fact]
    public void A_wheel_of_side_modules_is_named_and_tagged_for_its_cpython_on_wasi()
    {
        using var dir = new TempDir();
        var path = Write(dir, "wheels");
        Assert.Equal("ruamel_yaml-0.18.6-cp313-cp313-wasi_0_0_0_wasm32.whl", Path.GetFileName(path));
        Assert.True(WheelName.TryParse(Path.GetFileName(path), out var wheel));
        Assert.True(wheel.IsSideModulesFor("3.13"));
        Assert.False(wheel.IsSideModulesFor("3.11"));
        Assert.False(wheel.IsPure);
        Assert.Null(WheelCheck.Problem(path));
        Assert.Equal("a_b_c-1.0_post1-py3-none-any.whl", WheelWriter.FileName("a-b__c", "1.0-post1", "py3-none-any"));
    }

    [Fact]
    public void Its_record_lists_every_file_with_the_sha256_and_size_pip_checks()
    {
        using var dir = new TempDir();
        using var zip = ZipFile.OpenRead(Write(dir, "wheels"));
        Assert.Equal(["pkg/__init__.py", "pkg/_fast.cpython-313-wasm32-wasi.so", "ruamel_yaml-0.18.6.dist-info/METADATA",
                      "ruamel_yaml-0.18.6.dist-info/WHEEL", "ruamel_yaml-0.18.6.dist-info/RECORD"], zip.Entries.Select(e => e.FullName));
        string Text(string name) => new StreamReader(zip.GetEntry(name)!.Open()).ReadToEnd();
        Assert.Contains("Tag: cp313-cp313-wasi_0_0_0_wasm32\n", Text("ruamel_yaml-0.18.6.dist-info/WHEEL"));
        Assert.Contains("Name: ruamel.yaml\nVersion: 0.18.6\n", Text("ruamel_yaml-0.18.6.dist-info/METADATA"));
        var record = Text("ruamel_yaml-0.18.6.dist-info/RECORD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, record.Length);
        Assert.Equal("ruamel_yaml-0.18.6.dist-info/RECORD,,", record[^1]);
        foreach (var line in record[..^1])
        {
            var (name, hash, size) = (line.Split(',')[0], line.Split(',')[1], line.Split(',')[2]);
            using var stream = new MemoryStream();
            zip.GetEntry(name)!.Open().CopyTo(stream);
            var expected = Convert.ToBase64String(SHA256.HashData(stream.ToArray())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            Assert.Equal(($"sha256={expected}", stream.Length.ToString()), (hash, size));
        }
    }

    [Fact]
    public void The_same_files_make_the_same_bytes()
    {
        using var dir = new TempDir();
        var first = File.ReadAllBytes(Write(dir, "a"));
        Thread.Sleep(1100);   // another second on the clock: no time may go into the file
        Assert.Equal(first, File.ReadAllBytes(Write(dir, "b")));
    }
}
