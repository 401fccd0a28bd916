using Wasipy.Caching;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Stdlib;

namespace Wasipy.Pipeline.Actions;

/// <summary>`uses: vfs-image` (from, mount, to): a folder written as the read-only image python.wasm embeds.</summary>
public sealed class VfsImageAction : IBuiltinAction
{
    public string Name => "vfs-image";
    public ActionSignature Parameters { get; } = new(["from", "mount", "to"], []);

    public void AddToKey(ActionContext c, CacheKey.Builder key) =>
        key.Add("tree", ContentHash.OfPath(c.Param("from"), c.Cancellation)).Add("format", VfsImage.Format);

    public IEnumerable<string> Outputs(ActionContext c) => [c.Param("to")];

    public Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var size = VfsImage.Write(c.Param("from"), c.Param("mount"), c.Param("to"), cancellation: cancellation);
        log.WriteLine($"wrote {c.Param("to")}: {size} bytes from {c.Param("from")}, mounted at {c.Param("mount")}");
        return Task.CompletedTask;
    }
}
