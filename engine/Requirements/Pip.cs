using System.Text;
using CliWrap;
using Wasipy.Processes;
using Wasipy.Templates;

namespace Wasipy.Requirements;

/// <summary>
/// The pinned host pip, run as `PYTHON -m pip --isolated` (no user configuration or PIP_* variables: what it uses is
/// what wasipy passes) with the target CPython's tags: pure wheels only (`--abi none --platform any`). Every run is
/// logged and has a time limit.
/// </summary>
public sealed record Pip(string Python, string TargetVersion, string TargetFullVersion, PipIndex Index, int TimeoutSeconds, int Retries, StepLog Log)
{
    /// <summary>A `link: dynamic` build's pip also takes wheels of side modules for the target (cpXY-cpXY-wasi_0_0_0_wasm32).</summary>
    public bool SideModules { get; init; }

    /// <summary>Whether a wheel pip chose may be installed: pure, or (in a dynamic build) side modules for the target.</summary>
    public bool Accepts(WheelName wheel) => wheel.IsPure || (SideModules && wheel.IsSideModulesFor(TargetVersion));

    /// <summary>
    /// pip with environment markers evaluated for the target: pip 23's --python-version chooses wheels for the target but
    /// evaluates `python_version` and `sys_platform` markers of dependencies against the host Python. The pinned pip's
    /// vendored packaging reads default_environment() at each evaluation, so these values are what it sees.
    /// </summary>
    private string Launcher =>
        "import sys; import pip._vendor.packaging.markers as m; host = m.default_environment; " +
        $"m.default_environment = lambda: dict(host(), python_version='{TargetVersion}', python_full_version='{TargetFullVersion}', " +
        $"implementation_version='{TargetFullVersion}', implementation_name='cpython', platform_python_implementation='CPython', " +
        "sys_platform='wasi', platform_machine='wasm32'); " +
        "from pip._internal.cli.main import main; sys.exit(main())";

    /// <summary>What pip printed (stdout and stderr, in order), and its exit code.</summary>
    public sealed record Result(int ExitCode, IReadOnlyList<string> Errors)
    {
        public bool Succeeded => ExitCode == 0;
        /// <summary>pip's "ERROR: ..." lines, without the prefix.</summary>
        public IReadOnlyList<string> ErrorLines => Errors.Where(l => l.StartsWith("ERROR: ", StringComparison.Ordinal)).Select(l => l["ERROR: ".Length..].Trim()).ToList();
    }

    /// <summary>Tags of the target: cp + X.Y, no ABI, any platform (pip then accepts py3-none-any, pyXY-none-any, ...);
    /// in a dynamic build also the cpXY ABI on WASI's platform tag.</summary>
    public IReadOnlyList<string> Target => SideModules
        ? ["--python-version", TargetVersion, "--implementation", "cp", "--abi", "none", "--abi", WheelWriter.PythonTag(TargetVersion),
           "--platform", "any", "--platform", WheelWriter.PlatformTag, "--only-binary=:all:"]
        : ["--python-version", TargetVersion, "--implementation", "cp", "--abi", "none", "--platform", "any", "--only-binary=:all:"];

    public async Task<Result> RunAsync(IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellation)
    {
        string[] all = ["-c", Launcher, "--isolated", "--disable-pip-version-check", "--no-input", "--timeout", "60", "--retries", Retries.ToString(), .. arguments];
        Log.WriteLine($"$ {Python} -m pip {string.Join(' ', all.Skip(2).Select(ShellQuote.Quote))}   # markers for CPython {TargetFullVersion} on wasi");
        Directory.CreateDirectory(workingDirectory);
        var errors = new List<string>();
        void Keep(string line)
        {
            Log.WriteLine(line);
            lock (errors) errors.Add(line);
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(TimeSpan.FromSeconds(TimeoutSeconds));
        try
        {
            var result = await ProcessGroup.RunAsync(ProcessGroup.Command(Python, all)
                .WithWorkingDirectory(workingDirectory)
                .WithEnvironmentVariables(e => e.Set("PYTHONDONTWRITEBYTECODE", "1").Set("PYTHONNOUSERSITE", "1"))
                .WithStandardOutputPipe(PipeTarget.ToDelegate(Keep, Encoding.UTF8))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(Keep, Encoding.UTF8)), limit.Token);
            return new Result(result.ExitCode, errors);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new Errors.WasipyException($"pip did not finish within {TimeoutSeconds} s (downloads.attempt_timeout_seconds in wasipy.yaml); is the index reachable?");
        }
    }
}
