using Wasipy.Stdlib;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Stdlib;

/// <summary>
/// The read-only file system of packed builds (vfs/wasipy_vfs.c), linked into a small C program with an image
/// written by <see cref="VfsImage"/>, and run under Wasmtime with no preopened directory at all.
/// Needs the wasm toolchain (clang-16 --target=wasm32-wasi).
/// </summary>
[Trait("Category", "EndToEnd")]
public class VfsTests
{
    private const string Program = """
        #include <dirent.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/stat.h>
        #include <unistd.h>

        int main(void) {
            char buf[64] = {0};
            FILE *f = fopen("/mnt/img/data/hello.txt", "r");
            if (!f) { printf("fopen failed: %s\n", strerror(errno)); return 1; }
            fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            printf("read:%s\n", buf);
            struct stat st;
            stat("/mnt/img/data/hello.txt", &st);
            printf("size:%lld file:%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
            stat("/mnt/img/data", &st);
            printf("dir:%d\n", S_ISDIR(st.st_mode));
            int count = 0;
            DIR *d = opendir("/mnt/img/many");
            for (struct dirent *e; (e = readdir(d));) if (e->d_name[0] != '.') count++;
            closedir(d);
            printf("entries:%d\n", count);
            int fd = open("/mnt/img/data/hello.txt", O_RDONLY);
            lseek(fd, 6, SEEK_SET);
            char word[8] = {0};
            read(fd, word, 5);
            close(fd);
            printf("seek:%s\n", word);
            printf("missing:%d\n", open("/mnt/img/nope", O_RDONLY) < 0 && errno == ENOENT);
            printf("readonly:%d\n", open("/mnt/img/new.txt", O_WRONLY | O_CREAT, 0644) < 0 && errno == EROFS);
            printf("dotdot:%d\n", stat("/mnt/img/data/../data/./hello.txt", &st) == 0);
            printf("notdir:%d\n", open("/mnt/img/data/hello.txt/x", O_RDONLY) < 0 && errno == ENOTDIR);
            return 0;
        }
        """;

    [Fact]
    public async Task A_program_linked_with_the_vfs_reads_its_embedded_files_without_any_preopen()
    {
        using var dir = new TempDir();
        dir.File("tree/data/hello.txt", "hello world");
        for (var i = 0; i < 300; i++) dir.File($"tree/many/a-rather-long-file-name-to-fill-readdir-buffers-{i:000}.pyc", "x");
        VfsImage.Write(dir.Combine("tree"), "/mnt/img", dir.Combine("image.bin"));
        dir.File("image.s", $"""
              .section .rodata.wasipy_vfs_image,"",@
              .globl wasipy_vfs_image
              .p2align 4
            wasipy_vfs_image:
              .incbin "{dir.Combine("image.bin")}"
            .Lend:
              .size wasipy_vfs_image, .Lend-wasipy_vfs_image
            """);
        var vfs = Path.Combine(RepoRoot.Path, "vfs");
        // Small files are stored as they are; inflating deflated ones (zlib) is exercised by the packed CPython builds.
        var result = await WasmProgram.CompileAndRunAsync(dir, Program, $"-DWASIPY_VFS_NO_ZLIB {vfs}/wasipy_vfs.c image.s @{vfs}/wrap.rsp");

        Assert.Equal(
            "read:hello world\nsize:11 file:1\ndir:1\nentries:300\nseek:world\nmissing:1\nreadonly:1\ndotdot:1\nnotdir:1\n",
            result.Stdout);
    }
}
