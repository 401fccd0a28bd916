using Wasipy.Tests.Support;

namespace Wasipy.Tests.Compat;

/// <summary>compat/wasi_compat.c compiled into a small C program and run under Wasmtime. Needs the wasm toolchain.</summary>
[Trait("Category", "EndToEnd")]
public class WasiCompatTests
{
    private const string Program = """
        #include <errno.h>
        #include <signal.h>
        #include <stdio.h>
        #include <sys/stat.h>
        #include <unistd.h>

        int main(void) {
            gid_t groups[4];
            printf("ids:%d %d %d %d\n", (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid());
            printf("setuid same:%d other:%d eperm:%d\n", setuid(0), setuid(1000), errno == EPERM);
            printf("groups:%d first:%d\n", getgroups(4, groups), (int)groups[0]);
            mode_t old = umask(077);
            printf("umask:%o then:%o\n", (unsigned)old, (unsigned)umask(old));
            printf("flock:%d\n", flock(1, 2));
            printf("dup:%d enotsup:%d\n", dup(1), errno == ENOTSUP);
            printf("dup2 same:%d other:%d bad:%d\n", dup2(1, 1), dup2(1, 5), dup2(99, 99));
            printf("kill other:%d esrch:%d\n", kill(4242, SIGTERM), errno == ESRCH);
            printf("ppid:%d\n", (int)getppid());
            return 0;
        }
        """;

    [Fact]
    public async Task The_posix_stubs_answer_as_a_single_user_single_process_system()
    {
        using var dir = new TempDir();
        var compat = Path.Combine(RepoRoot.Path, "compat");
        var result = await WasmProgram.CompileAndRunAsync(dir, Program,
            $"-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_GETPID -include {compat}/wasi_compat.h {compat}/wasi_compat.c " +
            "-lwasi-emulated-signal -lwasi-emulated-getpid");

        Assert.Equal(
            "ids:0 0 0 0\nsetuid same:0 other:-1 eperm:1\ngroups:1 first:0\numask:22 then:77\nflock:0\ndup:-1 enotsup:1\ndup2 same:1 other:-1 bad:-1\nkill other:-1 esrch:1\nppid:1\n",
            result.Stdout);
    }
}
