using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

public class MainThreadStackTests
{
    private const string Limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max stack size            {0}              {1}            bytes
        Max core file size        0                    unlimited            bytes
        """;

    [Theory]
    [InlineData("8388608", "unlimited", 8L * 1024 * 1024, true)]
    [InlineData("8388608", "unlimited", 16L * 1024 * 1024, false)]
    [InlineData("unlimited", "unlimited", 16L * 1024 * 1024, true)]
    [InlineData("1048576", "8388608", 8L * 1024 * 1024, false)]    // the soft limit is the one that applies
    public void The_soft_stack_limit_decides_whether_the_first_thread_is_large_enough(string soft, string hard, long needed, bool enough)
    {
        using var dir = new TempDir();
        dir.File("limits", string.Format(Limits, soft, hard));

        Assert.Equal(enough, MainThreadStack.IsAtLeast(needed, dir.Combine("limits")));
    }

    [Fact]
    public void An_unreadable_or_unknown_limit_is_not_large_enough()
    {
        using var dir = new TempDir();
        dir.File("limits", "Limit Soft Limit Hard Limit Units\nMax cpu time unlimited unlimited seconds\n");

        Assert.False(MainThreadStack.IsAtLeast(1, dir.Combine("limits")));
        Assert.False(MainThreadStack.IsAtLeast(1, dir.Combine("missing")));
    }
}
