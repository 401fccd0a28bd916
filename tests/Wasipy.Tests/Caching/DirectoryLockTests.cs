using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Caching;

public class DirectoryLockTests
{
    [Fact]
    public async Task A_second_run_waits_for_the_folder_until_the_first_lets_go()
    {
        using var dir = new TempDir();
        var waiting = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await DirectoryLock.AcquireAsync(dir.Path, _ => { }, CancellationToken.None);

        var second = DirectoryLock.AcquireAsync(dir.Path, m => waiting.TrySetResult(m), CancellationToken.None);
        Assert.Equal($"waiting for another wasipy run to finish with {dir.Path} (wasipy pid {Environment.ProcessId})", await waiting.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var acquired = await second.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Waiting_can_be_cancelled()
    {
        using var dir = new TempDir();
        using var first = await DirectoryLock.AcquireAsync(dir.Path, _ => { }, CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DirectoryLock.AcquireAsync(dir.Path, _ => { }, cancel.Token));
    }
}
