using System.Diagnostics;
using Wasipy.Caching;
using Wasipy.SharedCache;
using Wasipy.Errors;
using Wasipy.Pipeline.Actions;
using Wasipy.Processes;
using Wasipy.Sources;
using System.Text.RegularExpressions;
using Polly;
using Polly.Retry;

namespace Wasipy.Pipeline;

/// <summary>A unit's key and whether the cache already holds its result, with the reason when it does not.</summary>
public sealed record UnitState(BuildUnit Unit, CacheKey Key, bool Fresh, string Reason)
{
    /// <summary>Where a stale unit would be restored from instead of run ("local", "remote URL"), if anywhere.</summary>
    public string? RestoreFrom { get; init; }
    /// <summary>Where the shared unit cache keeps (or would keep) this unit's outputs: its key without the checkout's path.</summary>
    public string Address { get; init; } = "";
}

/// <summary>
/// The one executor for every build unit (pipeline steps, C libraries, packages): for each unit in order it
/// computes the key once, decides fresh or stale, runs what is stale under its lock with its log, checks the
/// outputs and stamps. <see cref="PlanAsync"/> uses the same key code without running anything.
/// </summary>
public sealed class UnitExecutor(BuildSession session, ActionServices services, IStepReporter reporter, UnitCache? unitCache = null)
{
    private readonly Dictionary<string, string> _fingerprints = new();
    /// <summary>Each unit's address in the shared unit cache (its key without the checkout's path).</summary>
    private readonly Dictionary<string, string> _addresses = new();
    // The state of one RunAsync: each unit's key so far, the outcomes reported, the folder locks held, and the units
    // whose cached outputs are pinned to another folder, not built yet (built as soon as a unit after them runs).
    private Dictionary<string, CacheKey> _keys = new();
    private IReadOnlyList<BuildUnit> _planned = [];
    private List<StepOutcome> _outcomes = [];
    private Dictionary<string, DirectoryLock> _locks = new();
    private List<int> _deferred = [];

    public async Task<IReadOnlyList<StepOutcome>> RunAsync(IReadOnlyList<BuildUnit> units, CancellationToken cancellation)
    {
        (_keys, _planned, _outcomes, _locks, _deferred) = (new(), units, [], new(), []);
        try
        {
            for (var i = 0; i < units.Count; i++) await ProcessAsync(i, mayDefer: true, neededBy: null, cancellation);
        }
        finally
        {
            foreach (var held in _locks.Values) held.Dispose();
        }
        return _outcomes;
    }

    /// <summary>One unit: skipped, fresh, restored from the unit cache, deferred, or built (after what was deferred).</summary>
    private async Task ProcessAsync(int i, bool mayDefer, string? neededBy, CancellationToken cancellation)
    {
        var unit = _planned[i];
        if (!unit.Enabled)
        {
            _keys[unit.Id] = Skipped(unit, _keys);   // a later unit may still name it in `needs`
            _addresses[unit.Id] = CacheAddress.Marker("skipped", unit.Needs.Select(n => _addresses.GetValueOrDefault(n, n)));
            Report(i, new StepOutcome(unit.Title, StepStatus.Skipped, TimeSpan.Zero, "", unit.LogPath));
            return;
        }
        var state = await StateAsync(unit, _keys, cancellation);
        if (state.Fresh)
        {
            _keys[unit.Id] = state.Key;
            Report(i, new StepOutcome(unit.Title, StepStatus.Cached, TimeSpan.Zero, state.Key.Value, unit.LogPath));
            return;
        }
        if (unit.LockDir is { } lockDir && !_locks.ContainsKey(lockDir))
            _locks[lockDir] = await DirectoryLock.AcquireAsync(lockDir, Console.Error.WriteLine, cancellation);

        reporter.Started(i, _planned.Count, unit.Title, unit.LogPath);
        var cache = new StepCache(unit.StampDir);
        cache.Invalidate(unit.StampName);
        var clock = Stopwatch.StartNew();
        var scopes = unitCache is null ? null : CacheScopes(unit);
        // What the unit cache said about a unit that is then built goes after the build's own log.
        var notes = new List<string>();
        if (scopes is not null && await RestoreAsync(unit, state.Key, scopes, notes, cancellation) is { } from)
        {
            cache.MarkDone(unit.StampName, state.Key);
            _keys[unit.Id] = state.Key;
            Report(i, new StepOutcome(unit.Title, StepStatus.Restored, clock.Elapsed, state.Key.Value, unit.LogPath) { Reason = state.Reason, From = from });
            return;
        }
        if (scopes is not null && mayDefer && notes.Any(n => n.StartsWith(UnitCache.PinnedNote, StringComparison.Ordinal)))
        {
            // Its outputs only work in the folder they were built in: it is built only if a later unit runs.
            _keys[unit.Id] = state.Key;
            _deferred.Add(i);
            Report(i, new StepOutcome(unit.Title, StepStatus.Deferred, clock.Elapsed, state.Key.Value, unit.LogPath)
                { Reason = "cached for another folder only; built if a later step runs" });
            return;
        }
        // Shell commands may use anything in the build folder, so what was deferred is built first; a built-in
        // action (provenance, smoke-test) reads only what its parameters name.
        if (_deferred.Count > 0 && unit.Commands.Count > 0)
        {
            var pending = _deferred.ToList();
            _deferred.Clear();
            foreach (var index in pending)
            {
                _outcomes.RemoveAll(o => o.Step == _planned[index].Title && o.Status == StepStatus.Deferred);
                await ProcessAsync(index, mayDefer: false, neededBy: unit.Title, cancellation);
            }
            reporter.Started(i, _planned.Count, unit.Title, unit.LogPath);
        }
        var before = scopes?.Select(s => s.Whole ? ScopeState.Empty : ScopeState.Of(s.Path, cancellation)).ToList();
        try
        {
            await RunOneAsync(unit, state.Key, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (Failed(i, unit, state.Key, clock.Elapsed, e) is { } failure) throw failure;
            return;
        }
        finally
        {
            foreach (var note in notes) AppendLine(unit.LogPath, note);
        }
        var key = await StampAsync(unit, cache, state.Key, cancellation);
        if (scopes is not null && unitCache is not null)
            await unitCache.StoreAsync(_addresses[unit.Id], unit.Title, scopes, before!, session.Config.Root, line => AppendLine(unit.LogPath, line), cancellation,
                AllOutputs(unit).ToList());
        Report(i, new StepOutcome(unit.Title, StepStatus.Done, clock.Elapsed, key.Value, unit.LogPath) { Reason = neededBy is null ? state.Reason : $"needed by {neededBy}" });
    }

    /// <summary>A unit that failed: the failure to throw, or null for an optional unit, which is reported and left out
    /// (what needs it sees a key that says so).</summary>
    private StepFailedException? Failed(int i, BuildUnit unit, CacheKey key, TimeSpan elapsed, Exception e)
    {
        var failure = e as StepFailedException
                      ?? new StepFailedException(unit.Title, e.Message, unit.LogPath, (e as WasipyException)?.ExitCode);
        if (e is not StepFailedException) AppendToLog(unit.LogPath, e.Message);
        if (unit.Optional && e is WasipyException)
        {
            AppendToLog(unit.LogPath, $"warning: optional {unit.Title} did not build, so what needs it is left out: {e.Message}");
            _keys[unit.Id] = new CacheKey("failed:" + key.Value, key.Components);
            _addresses[unit.Id] = CacheAddress.Marker("failed", [_addresses[unit.Id]]);
            Report(i, new StepOutcome(unit.Title, StepStatus.OptionalFailed, elapsed, key.Value, failure.LogPath));
            return null;
        }
        reporter.Finished(i, _planned.Count, new StepOutcome(unit.Title, StepStatus.Failed, elapsed, key.Value, failure.LogPath));
        return failure;
    }

    /// <summary>Stamps a built unit. A fingerprint (e.g. the compiler's --version) may change because the unit itself
    /// installed something; the stamp says what is true now, so the next run does not see a change that was ours.</summary>
    private async Task<CacheKey> StampAsync(BuildUnit unit, StepCache cache, CacheKey key, CancellationToken cancellation)
    {
        if (unit.Fingerprint.Count > 0)
        {
            foreach (var command in unit.Fingerprint) _fingerprints.Remove(command);
            key = await KeyAsync(unit, _keys, cancellation);
        }
        cache.MarkDone(unit.StampName, key);
        _keys[unit.Id] = key;
        return key;
    }

    /// <summary>Every unit's key and freshness, as <see cref="RunAsync"/> would compute them, without running anything.
    /// A stale unit makes the units that need it stale too (their upstream key will change when it runs).</summary>
    public async Task<IReadOnlyList<UnitState>> PlanAsync(IReadOnlyList<BuildUnit> units, CancellationToken cancellation)
    {
        var keys = new Dictionary<string, CacheKey>();
        var states = new List<UnitState>();
        foreach (var unit in units)
        {
            if (!unit.Enabled)
            {
                keys[unit.Id] = Skipped(unit, keys);
                _addresses[unit.Id] = CacheAddress.Marker("skipped", unit.Needs.Select(n => _addresses.GetValueOrDefault(n, n)));
                states.Add(new UnitState(unit, keys[unit.Id], true, "skipped") { Address = _addresses[unit.Id] });
                continue;
            }
            var state = await StateAsync(unit, keys, cancellation) with { Address = _addresses[unit.Id] };
            keys[unit.Id] = state.Key;
            if (!state.Fresh && unitCache is not null && CacheScopes(unit) is not null)
                state = state with { RestoreFrom = await unitCache.WhereAsync(_addresses[unit.Id], session.Config.Root, cancellation) };
            states.Add(state);
        }
        return states;
    }

    /// <summary>A skipped unit passes on the keys of the units it needs, so that what comes after it still changes
    /// when they do (dist after a skipped snapshot step depends on link).</summary>
    private static CacheKey Skipped(BuildUnit unit, IReadOnlyDictionary<string, CacheKey> keys) =>
        new("skipped:" + string.Join(",", unit.Needs.Select(n => keys.TryGetValue(n, out var k) ? k.Value : n)), []);

    private async Task<UnitState> StateAsync(BuildUnit unit, IReadOnlyDictionary<string, CacheKey> keys, CancellationToken cancellation)
    {
        var key = await KeyAsync(unit, keys, cancellation);
        var cache = new StepCache(unit.StampDir);
        var outputs = AllOutputs(unit);
        if (cache.IsFresh(unit.StampName, key, outputs)) return new UnitState(unit, key, true, "");
        var last = cache.LastManifest(unit.StampName);
        var reason = last.Count == 0
            ? "never built"
            : KeyDifference.Describe(last, key.Components) is { Length: > 0 } changed
                ? changed
                : $"its outputs are missing ({string.Join(", ", outputs.Where(o => !File.Exists(o) && !Directory.Exists(o)))})";
        return new UnitState(unit, key, false, reason);
    }

    private IEnumerable<string> AllOutputs(BuildUnit unit) =>
        unit.Action is null ? unit.Outputs : unit.Outputs.Concat(unit.Action.Outputs(new ActionContext(session, unit, services)));

    /// <summary>The only place a cache key is built.</summary>
    private async Task<CacheKey> KeyAsync(BuildUnit unit, IReadOnlyDictionary<string, CacheKey> keys, CancellationToken cancellation)
    {
        var key = new CacheKey.Builder()
            .Add("unit", unit.Id)
            .Add("uses", unit.Action?.Name);
        foreach (var need in unit.Needs)
            key.Add($"needs {need}", keys.TryGetValue(need, out var k)
                ? k.Value
                : throw new WasipyException($"{unit.Title} needs '{need}', which does not come before it", 2));
        foreach (var item in unit.Data) key.Add(item.Label, item.Value);
        if (unit.Source is { } source)
            key.AddAll("source sha256", source.Request?.AcceptedHashes.Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>())
               .Add("source file", source.Request?.FileName)
               .Add("git", source.Git is { } git ? $"{git.Url}@{git.Commit} {string.Join(' ', git.Submodules)}" : null)
               .AddAll("patches", source.Patches.Select(p => $"{Path.GetFileName(p)}:{ContentHash.OfFile(p)}"));
        key.AddAll("commands", unit.Commands)
           .AddAll("files", unit.Files.Select(f => f.Path + "\n" + f.Content))
           .Add("cwd", unit.WorkingDirectory)
           .AddAll("env", unit.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
           .AddAll("with", unit.With.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
           .AddAll("inputs", unit.Inputs.Select(p => $"{p}:{ContentHash.OfPath(p, cancellation)}"))
           .AddAll("outputs", unit.Outputs);
        foreach (var command in unit.Fingerprint)
            key.Add($"fingerprint {command}", await FingerprintAsync(command, cancellation));
        unit.Action?.AddToKey(new ActionContext(session, unit, services) { Cancellation = cancellation }, key);
        var built = key.Build();
        _addresses[unit.Id] = CacheAddress.Of(built.Components, session.Config.Root, _addresses);
        return built;
    }

    /// <summary>The folders the unit cache keeps this unit's outputs in (<see cref="CacheScope.For"/>), or null when it is
    /// not cached: it declares no outputs, one outside the build, library and download folders, or its action says so.</summary>
    private IReadOnlyList<CacheScope>? CacheScopes(BuildUnit unit) =>
        unit.Action is { Cacheable: false } ? null
            : CacheScope.For(unit.WorkingDirectory, AllOutputs(unit), [session.Dirs.Build, session.Dirs.Libs, session.Dirs.Downloads]);

    /// <summary>Restores a stale unit from the unit cache, under the unit's lock and log; where from, or null to build it.</summary>
    private async Task<string?> RestoreAsync(BuildUnit unit, CacheKey key, IReadOnlyList<CacheScope> scopes, List<string> notes, CancellationToken cancellation)
    {
        var staging = Path.Combine(session.Dirs.Build, ".wasipy", "restore", unit.StampName);
        var from = await unitCache!.RestoreAsync(_addresses[unit.Id], scopes, session.Config.Root, staging, notes.Add, cancellation);
        var missing = from is null ? [] : AllOutputs(unit).Where(o => !File.Exists(o) && !Directory.Exists(o)).ToList();
        if (from is not null && missing.Count == 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(unit.LogPath)!);
            File.WriteAllLines(unit.LogPath, [$"# {unit.Title}, key {key.Value}: restored from the {from} cache", .. notes]);
            return from;
        }
        if (missing.Count > 0) notes.Add($"# the cached outputs lack {string.Join(", ", missing)}; building instead");
        return null;
    }

    private async Task<string> FingerprintAsync(string command, CancellationToken cancellation)
    {
        if (!_fingerprints.TryGetValue(command, out var value))
        {
            var (exit, output) = await ShellRunner.CaptureAsync(command, session.Dirs.Build, cancellation);
            _fingerprints[command] = value = $"{exit}\n{output}";
        }
        return value;
    }

    private async Task RunOneAsync(BuildUnit unit, CacheKey key, CancellationToken cancellation)
    {
        using (var log = new StepLog(unit.LogPath))
        {
            log.WriteLine($"# {unit.Title}, key {key.Value}");
            var attempt = 0;
            await RetryPipeline(unit, log).ExecuteAsync(async ct =>
            {
                if (unit.Retry is not null) log.WriteLine($"# attempt {++attempt} of {unit.Retry.Attempts}");
                await RunAttemptAsync(unit, log, ct);
            }, cancellation);
        }
        var missing = AllOutputs(unit).Where(o => !File.Exists(o) && !Directory.Exists(o)).ToList();
        if (missing.Count > 0)
            throw new StepFailedException(unit.Title, $"it finished but did not produce {string.Join(", ", missing)}", unit.LogPath);
    }

    private async Task RunAttemptAsync(BuildUnit unit, StepLog log, CancellationToken cancellation)
    {
        // SOURCE_DATE_EPOCH: a library's or package's own source date; a pipeline step's is the build's source, as
        // the action that fetches it says (once it has it). It is not in the key: the sources it comes from are. A
        // value the user set is kept.
        var date = unit.Source is { } source
            ? await SourcePreparer.PrepareAsync(source, services.Fetcher(log.WriteLine), services.ArchiveDates, session, log, cancellation)
            : _planned.Where(u => u.Enabled && u.Action is not null)
                .Select(u => u.Action!.SourceDate(new ActionContext(session, u, services))).FirstOrDefault(d => d is not null);
        var environment = unit.Environment;
        if (date is { } seconds && !session.Environment.ContainsKey(SourceDate.Variable))
        {
            environment = new Dictionary<string, string>(unit.Environment) { [SourceDate.Variable] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            log.WriteLine($"# {SourceDate.Variable}={seconds} ({DateTimeOffset.FromUnixTimeSeconds(seconds):yyyy-MM-dd HH:mm:ss} UTC, the source's date)");
        }
        if (unit.Action is { } action)
            await action.RunAsync(new ActionContext(session, unit, services) { Keys = _keys, Planned = _planned, Cancellation = cancellation }, log, cancellation);
        if (unit.Commands.Count > 0 || unit.Files.Count > 0)
            await ShellRunner.RunScriptAsync(unit.Title, unit.Files, unit.Commands, unit.WorkingDirectory,
                session.Environment, environment, log, cancellation);
    }

    /// <summary>The unit's `retry:` as a Polly pipeline: a failure it names runs the unit again after the delay.</summary>
    private static ResiliencePipeline RetryPipeline(BuildUnit unit, StepLog log)
    {
        if (unit.Retry is not { Attempts: > 1 } retry) return ResiliencePipeline.Empty;
        var output = retry.OnOutput is null ? null : new Regex(retry.OnOutput, RegexOptions.Multiline);
        return new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = retry.Attempts - 1,
            Delay = TimeSpan.FromSeconds(retry.Delay),
            BackoffType = retry.Backoff switch { "constant" => DelayBackoffType.Constant, "linear" => DelayBackoffType.Linear, _ => DelayBackoffType.Exponential },
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is StepFailedException failed
                && (retry.OnExitCodes.Count == 0 || failed.ProcessExitCode is { } code && retry.OnExitCodes.Contains(code))
                && (output is null || output.IsMatch(string.Join('\n', StepLog.Tail(log.Path, 50))))),
            OnRetry = args =>
            {
                log.WriteLine($"# attempt {args.AttemptNumber + 1} failed ({args.Outcome.Exception?.Message}); retrying in {args.RetryDelay.TotalSeconds:0.#}s");
                return default;
            },
        }).Build();
    }

    private void Report(int index, StepOutcome outcome)
    {
        _outcomes.Add(outcome);
        reporter.Finished(index, _planned.Count, outcome);
    }

    private static void AppendLine(string logPath, string line)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        File.AppendAllText(logPath, line + "\n");
    }

    private static void AppendToLog(string logPath, string message)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        File.AppendAllText(logPath, $"error: {message}\n");
    }
}
