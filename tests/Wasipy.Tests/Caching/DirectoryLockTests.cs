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

    [Fact]
    public async Task A_lock_file_that_is_a_fifo_is_bad_input_not_a_hang()
    {
        using var dir = new TempDir();
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [dir.Combine(".wasipy.lock")])!;
        await mkfifo.WaitForExitAsync();

        var e = await Assert.ThrowsAsync<Wasipy.Errors.WasipyException>(() =>
            DirectoryLock.AcquireAsync(dir.Path, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(2, e.ExitCode);
        Assert.Equal($"{dir.Combine(".wasipy.lock")} is not a regular file (a folder, link, FIFO or device); remove it and run again", e.Message);
    }

    [Fact]
    public async Task The_record_of_the_holder_is_removed_when_the_lock_is_let_go()
    {
        using var dir = new TempDir();
        var held = await DirectoryLock.AcquireAsync(dir.Path, _ => { }, CancellationToken.None);
        Assert.Equal($"{Environment.ProcessId}\n{ProcessTracking.RunId}\n", File.ReadAllText(dir.Combine(".wasipy.lock.pid")));

        held.Dispose();

        Assert.False(File.Exists(dir.Combine(".wasipy.lock.pid")));
    }
}
