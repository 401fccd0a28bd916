using Wasipy.Errors;
using Wasipy.Processes;
using Wasipy.Sources;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Sources;

/// <summary>
/// Archives made by the test with Python's tarfile/zipfile, each hostile in one way. Every refusal names the
/// archive and the entry, and nothing is written outside the folder it unpacks into.
/// </summary>
public class HostileArchiveTests
{
    private static async Task<string> Make(TempDir dir, string name, string python)
    {
        var script = dir.File("make.py", "import io, os, sys, tarfile, zipfile\n" +
            "def add(t, name, data=b'', **kw):\n" +
            "    i = tarfile.TarInfo(name); i.size = len(data)\n" +
            "    for k, v in kw.items(): setattr(i, k, v)\n" +
            "    t.addfile(i, io.BytesIO(data) if data or i.type == tarfile.REGTYPE else None)\n" + python);
        var (exit, output) = await ShellRunner.CaptureAsync($"python3 {script} {dir.Combine(name)}", dir.Path, CancellationToken.None);
        Assert.True(exit == 0, output);
        return dir.Combine(name);
    }

    private static WasipyException Refused(string archive, string destination) =>
        Assert.Throws<WasipyException>(() => ArchiveExtractor.Extract(archive, destination));

    [Fact]
    public async Task A_symlink_to_outside_followed_by_a_file_through_it_writes_nothing_outside()
    {
        using var dir = new TempDir();
        var outside = Directory.CreateDirectory(dir.Combine("outside")).FullName;
        var archive = await Make(dir, "evil.tgz", $$"""
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg-1.0/README', b'hi')
                add(t, 'pkg-1.0/escape', type=tarfile.SYMTYPE, linkname='{{outside}}')
                add(t, 'pkg-1.0/escape/pwned', b'owned')
            """);

        var e = Refused(archive, dir.Combine("out"));

        Assert.Contains("entry 'pkg-1.0/escape'", e.Message);
        Assert.Contains("not safe to unpack", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_relative_symlink_that_climbs_out_is_refused_and_one_inside_is_kept()
    {
        using var dir = new TempDir();
        var evil = await Make(dir, "climb.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/a', b'a')
                add(t, 'pkg/up', type=tarfile.SYMTYPE, linkname='../../..')
            """);
        Assert.Contains("is a link to '../../..', outside the folder", Refused(evil, dir.Combine("out")).Message);

        var fine = await Make(dir, "fine.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/sub/a', b'a')
                add(t, 'pkg/link', type=tarfile.SYMTYPE, linkname='sub/a')
            """);
        ArchiveExtractor.Extract(fine, dir.Combine("ok"));
        Assert.Equal("a", File.ReadAllText(dir.Combine("ok", "link")));
    }

    [Theory]
    [InlineData("pkg/../../escaped")]
    [InlineData("/tmp/wasipy-absolute-escape")]
    public async Task Names_with_dotdot_or_absolute_paths_are_refused(string name)
    {
        using var dir = new TempDir();
        var archive = await Make(dir, "names.tgz", $$"""
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/a', b'a')
                add(t, '{{name}}', b'x')
            """);

        var e = Refused(archive, dir.Combine("out"));

        Assert.Contains($"entry '{name}' has an absolute name or '..'", e.Message);
        Assert.False(File.Exists(dir.Combine("escaped")));
        Assert.False(File.Exists("/tmp/wasipy-absolute-escape"));
    }

    [Fact]
    public async Task A_fifo_or_device_entry_is_refused()
    {
        using var dir = new TempDir();
        var archive = await Make(dir, "fifo.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/a', b'a')
                add(t, 'pkg/pipe', type=tarfile.FIFOTYPE)
            """);

        Assert.Contains("entry 'pkg/pipe' is a device, FIFO or other special file", Refused(archive, dir.Combine("out")).Message);
    }

    [Fact]
    public async Task A_hard_link_becomes_a_copy_inside_and_setuid_bits_are_dropped()
    {
        using var dir = new TempDir();
        var archive = await Make(dir, "links.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/tool', b'#!/bin/sh\n', mode=0o6777)
                add(t, 'pkg/tool2', type=tarfile.LNKTYPE, linkname='pkg/tool')
            """);

        ArchiveExtractor.Extract(archive, dir.Combine("out"));

        Assert.Equal("#!/bin/sh\n", File.ReadAllText(dir.Combine("out", "tool2")));
        Assert.Null(new FileInfo(dir.Combine("out", "tool2")).LinkTarget);
        var mode = File.GetUnixFileMode(dir.Combine("out", "tool"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
                     UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, mode);
    }

    [Fact]
    public async Task A_hard_link_to_something_outside_the_archive_is_refused()
    {
        using var dir = new TempDir();
        var archive = await Make(dir, "hard.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/a', b'a')
                add(t, 'pkg/passwd', type=tarfile.LNKTYPE, linkname='etc/passwd')
            """);

        Assert.Contains("is a hard link to 'etc/passwd', which is not a file earlier in the archive", Refused(archive, dir.Combine("out")).Message);
    }

    [Fact]
    public async Task A_truncated_archive_fails_naming_the_file_and_what_to_do()
    {
        using var dir = new TempDir();
        var archive = await Make(dir, "full.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/big', os.urandom(200000))
            """);
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(dir.Combine("cut.tgz"), bytes[..(bytes.Length / 2)]);

        var e = Refused(dir.Combine("cut.tgz"), dir.Combine("out"));

        Assert.StartsWith($"{dir.Combine("cut.tgz")} is truncated or corrupt", e.Message);
        Assert.EndsWith("delete it from the download cache and run again", e.Message);
    }

    [Fact]
    public async Task An_archive_is_checked_against_its_sha256_before_it_is_unpacked()
    {
        using var dir = new TempDir();
        var archive = await Make(dir, "a.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'pkg/a', b'a')
            """);

        var e = Assert.Throws<WasipyException>(() => ArchiveExtractor.Extract(archive, dir.Combine("out"), new HashSet<string> { new('0', 64) }));

        Assert.Contains("not the one the recipe names; delete it from the download cache", e.Message);
        Assert.False(Directory.Exists(dir.Combine("out")));
    }

    [Fact]
    public async Task An_archive_without_one_top_folder_keeps_its_top_level_files()
    {
        using var dir = new TempDir();
        var archive = await Make(dir, "flat.tgz", """
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                add(t, 'setup.py', b's')
                add(t, 'pkg/__init__.py', b'i')
            """);

        ArchiveExtractor.Extract(archive, dir.Combine("out"));

        Assert.Equal("s", File.ReadAllText(dir.Combine("out", "setup.py")));
        Assert.Equal("i", File.ReadAllText(dir.Combine("out", "pkg", "__init__.py")));
    }

    [Fact]
    public async Task A_zip_keeps_unix_modes_and_refuses_names_that_climb_out()
    {
        using var dir = new TempDir();
        var fine = await Make(dir, "ok.zip", """
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                i = zipfile.ZipInfo('pkg-1.0/configure'); i.external_attr = (0o100755 << 16); z.writestr(i, '#!/bin/sh')
                i = zipfile.ZipInfo('pkg-1.0/data.txt'); i.external_attr = (0o100644 << 16); z.writestr(i, 'd')
            """);
        ArchiveExtractor.Extract(fine, dir.Combine("out"));
        Assert.True(File.GetUnixFileMode(dir.Combine("out", "configure")).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.GetUnixFileMode(dir.Combine("out", "data.txt")).HasFlag(UnixFileMode.UserExecute));

        var evil = await Make(dir, "evil.zip", """
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                z.writestr('pkg/a', 'a')
                z.writestr('pkg/../../zip-escaped', 'x')
            """);
        Assert.Contains("has an absolute name or '..'", Refused(evil, dir.Combine("out2")).Message);
        Assert.False(File.Exists(dir.Combine("zip-escaped")));
    }
}
