using Wasipy.Pipeline.Actions;
using Wasipy.Processes;

namespace Wasipy.Pipeline;

/// <summary>
/// Plans the build's units and hands them to the executor under the build folder's lock. A unit whose key
/// matches the stamp of its last success, and whose outputs exist, is not run again.
/// </summary>
public sealed class PipelineRunner(BuildSession session, IStepReporter reporter, HttpClient? http = null, TextWriter? warnings = null)
{
    public async Task<IReadOnlyList<StepOutcome>> RunAsync(CancellationToken cancellation)
    {
        var units = UnitPlanner.Plan(session);
        using var exclusive = await DirectoryLock.AcquireAsync(session.Dirs.Build, Console.Error.WriteLine, cancellation);
        using var services = new ActionServices(session, http);
        using var cache = OpenCache();
        return await new UnitExecutor(session, services, reporter, cache).RunAsync(units, cancellation);
    }

    /// <summary>What <see cref="RunAsync"/> would do, computed by the same code, without running anything.</summary>
    public async Task<IReadOnlyList<UnitState>> PlanAsync(CancellationToken cancellation)
    {
        using var services = new ActionServices(session, http);
        using var cache = OpenCache();
        return await new UnitExecutor(session, services, reporter, cache).PlanAsync(UnitPlanner.Plan(session), cancellation);
    }

    /// <summary>The unit cache the command line asked for (none when it asked for nothing, as library callers and tests do).</summary>
    private SharedCache.UnitCache? OpenCache() =>
        session.Options.Cache is { } request
        && SharedCache.CacheSettings.Resolve(session.Config.Cache, session.Config.Root, request, session.Environment) is { } settings
            ? new SharedCache.UnitCache(settings, (warnings ?? Console.Error).WriteLine)
            : null;
}
