using System.Diagnostics;
using Wasipy.Processes;

namespace Wasipy.Tests.Processes;

/// <summary>A command's group is named after its leader's pid; once the leader is reaped, that number may be another
/// program's group. Ending the command must then leave that group alone.</summary>
public class ReusedGroupTests
{
    [Fact]
    public async Task Ending_a_command_whose_group_number_now_belongs_to_another_program_leaves_that_program_running()
    {
        // A session of its own whose leader is not wasipy's child: what a reused group number looks like.
        var start = new ProcessStartInfo("sh", ["-c", "setsid sleep 120 >/dev/null 2>&1 & echo $!"]) { RedirectStandardOutput = true };
        using var shell = Process.Start(start)!;
        var other = int.Parse((await shell.StandardOutput.ReadToEndAsync()).Trim());
        await shell.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            Assert.True(ProcessGroup.IsAlive(other));
            Assert.False(ProcessGroup.GroupIsOurs(other));

            using var tracking = ProcessTracking.Start();
            await ProcessGroup.EndAsync(other, tracking, TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(ProcessGroup.IsAlive(other), "another program's group was signalled");
        }
        finally
        {
            if (ProcessGroup.IsAlive(other)) Process.GetProcessById(other).Kill();
        }
    }

    [Fact]
    public void A_leader_that_is_still_wasipys_child_owns_its_group()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", ["30"]))!;
        try
        {
            Assert.True(ProcessGroup.GroupIsOurs(child.Id));
        }
        finally
        {
            child.Kill();
        }
    }
}
