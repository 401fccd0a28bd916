using System.Diagnostics;
using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Fetching;
using Wasipy.Processes;
using Wasipy.Wasm;

namespace Wasipy.Pipeline;

/// <summary>
/// Runs the planned steps in order. A step whose key (its rendered commands, inputs, recipe data and the key of
/// the step before it) matches the stamp of its last success, and whose outputs exist, is not run again.
/// </summary>
public sealed class PipelineRunner(BuildSession session, IStepReporter reporter, HttpClient? http = null)
{
    private readonly StepCache _cache = new(session.StampDir);
    private WasiRunner? _wasi;

    public async Task<IReadOnlyList<StepOutcome>> RunAsync(CancellationToken cancellation)
    {
        var steps = StepPlanner.Plan(session);
        var builtins = new BuiltinActions(session, CreateFetcher, () => _wasi ??= new WasiRunner(session.ModuleCacheDir));
        var outcomes = new List<StepOutcome>();
        using var exclusive = await DirectoryLock.AcquireAsync(session.BuildDir, Console.Error.WriteLine, cancellation);
        var previousKey = "";
        var keys = new Dictionary<string, string>();
        try
        {
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                var logPath = Path.Combine(session.LogsDir, step.Name + ".log");
                if (!step.Enabled)
                {
                    var skipped = new StepOutcome(step.Name, StepStatus.Skipped, TimeSpan.Zero, "", logPath);
                    outcomes.Add(skipped);
                    reporter.Finished(i, steps.Count, skipped);
                    keys[step.Name] = "skipped";   // a later step may still name it in `needs`
                    continue;
                }
                // A step depends on the step before it, or on the steps it names in `needs`.
                var upstream = step.Spec.Needs.Count > 0 ? string.Join(",", step.Spec.Needs.Select(n => keys[n])) : previousKey;
                var key = await ComputeKeyAsync(step, builtins, upstream, cancellation);
                var outputs = step.Outputs.Concat(step.Spec.Uses is null ? [] : builtins.Outputs(step)).ToList();
                if (_cache.IsFresh(step.Name, key, outputs))
                {
                    var cached = new StepOutcome(step.Name, StepStatus.Cached, TimeSpan.Zero, key.Value, logPath);
                    outcomes.Add(cached);
                    reporter.Finished(i, steps.Count, cached);
                    previousKey = keys[step.Name] = key.Value;
                    continue;
                }

                reporter.Started(i, steps.Count, step.Name);
                _cache.Invalidate(step.Name);
                var clock = Stopwatch.StartNew();
                try
                {
                    using (var log = new StepLog(logPath))
                    {
                        log.WriteLine($"# step {step.Name}, key {key.Value}");
                        if (step.Spec.Uses is null) await RunShellAsync(step, log, cancellation);
                        else await builtins.RunAsync(step, log, cancellation);
                    }
                    var missing = outputs.Where(o => !File.Exists(o) && !Directory.Exists(o)).ToList();
                    if (missing.Count > 0)
                        throw new StepFailedException(step.Name, $"it finished but did not produce {string.Join(", ", missing)}", logPath);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    var failure = e as StepFailedException
                                  ?? new StepFailedException(step.Name, e.Message, logPath, (e as WasipyException)?.ExitCode);
                    if (e is not StepFailedException) AppendToLog(logPath, e.Message);
                    reporter.Finished(i, steps.Count, new StepOutcome(step.Name, StepStatus.Failed, clock.Elapsed, key.Value, failure.LogPath));
                    throw failure;
                }
                // A fingerprint (e.g. the compiler's --version) may change because the step itself installed
                // something; stamp what is true now, so the next run does not see a change that was ours.
                if (step.Fingerprint.Count > 0) key = await ComputeKeyAsync(step, builtins, upstream, cancellation);
                _cache.MarkDone(step.Name, key);
                var done = new StepOutcome(step.Name, StepStatus.Done, clock.Elapsed, key.Value, logPath);
                outcomes.Add(done);
                reporter.Finished(i, steps.Count, done);
                previousKey = keys[step.Name] = key.Value;
            }
        }
        finally
        {
            _wasi?.Dispose();
        }
        return outcomes;
    }

    private async Task<CacheKey> ComputeKeyAsync(PlannedStep step, BuiltinActions builtins, string previousKey, CancellationToken cancellation)
    {
        var key = new CacheKey.Builder()
            .Add("step", step.Name)
            .Add("uses", step.Spec.Uses)
            .Add("previous", previousKey)
            .AddAll("commands", step.Commands)
            .AddAll("files", step.Files.Select(f => f.Path + "\n" + f.Content))
            .Add("cwd", step.WorkingDirectory)
            .AddAll("env", step.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
            .AddAll("with", step.With.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))
            .AddAll("inputs", step.Inputs.Select(p => $"{p}:{ContentHash.OfPath(p)}"))
            .AddAll("outputs", step.Outputs);
        foreach (var command in step.Fingerprint)
        {
            var (exit, output) = await ShellRunner.CaptureAsync(command, session.BuildDir, cancellation);
            key.Add("fingerprint", $"{command}\n{exit}\n{output}");
        }
        if (step.Spec.Uses is not null) await builtins.AddToKeyAsync(step, key, cancellation);
        return key.Build();
    }

    private Task RunShellAsync(PlannedStep step, StepLog log, CancellationToken cancellation) =>
        ShellRunner.RunScriptAsync(step.Name, step.Files, step.Commands, step.WorkingDirectory, session.Environment, step.Environment, log, cancellation);

    private SourceFetcher CreateFetcher(Action<string> log) =>
        new(http ?? SharedHttp.Value, session.DownloadsDir, session.MirrorDirs, RetrySettings.Default, log);

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(10) });

    private static void AppendToLog(string logPath, string message)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        File.AppendAllText(logPath, $"error: {message}\n");
    }
}
