namespace Wasipy.Exec;

/// <summary>
/// An `exec` command line the launcher answers itself: `exec RECIPE [options] [-- ARGS…]` with only the options it
/// knows (the build choice --config, --toolchain, --stdlib, --with, --snapshot, --runtime wasmtime, and --timing,
/// --no-cwd, --dir, --env, --env-file), each written as `--option value`. Anything else (--runtime node, --app,
/// --help, `--option=value`, a response file, arguments without `--`, an option given twice that takes one value)
/// is the engine's to read: <see cref="Parse"/> answers null and the engine runs with the same command line.
/// </summary>
public sealed record ExecLine(ExecRequest Request, bool Timing, bool NoCwd, IReadOnlyList<string> Dirs, IReadOnlyList<string> Env,
    IReadOnlyList<string> EnvFiles, IReadOnlyList<string> PythonArgs)
{
    private static readonly string[] SingleValued = ["--config", "--toolchain", "--stdlib", "--runtime"];

    public static ExecLine? Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "exec" || args.Any(a => a.StartsWith('@'))) return null;
        string? recipe = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var single = new Dictionary<string, string>(StringComparer.Ordinal);
        var repeated = new Dictionary<string, List<string>>(StringComparer.Ordinal) { ["--with"] = [], ["--dir"] = [], ["--env"] = [], ["--env-file"] = [] };
        var i = 1;
        for (; i < args.Count && args[i] != "--"; i++)
        {
            var token = args[i];
            if (token is "--snapshot" or "--timing" or "--no-cwd")
            {
                if (!flags.Add(token)) return null;
                continue;
            }
            if (SingleValued.Contains(token) || repeated.ContainsKey(token))
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith('-')) return null;
                var value = args[++i];
                if (repeated.TryGetValue(token, out var values)) values.Add(value);
                else if (!single.TryAdd(token, value)) return null;
                continue;
            }
            if (token.StartsWith('-') || recipe is not null) return null;
            recipe = token;
        }
        if (recipe is null || single.GetValueOrDefault("--runtime", "wasmtime") != "wasmtime") return null;
        return new ExecLine(
            new ExecRequest
            {
                RecipePath = recipe,
                ConfigPath = single.GetValueOrDefault("--config"),
                Toolchain = single.GetValueOrDefault("--toolchain"),
                StdlibMode = single.GetValueOrDefault("--stdlib"),
                Snapshot = flags.Contains("--snapshot"),
                With = [.. repeated["--with"].SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
            },
            flags.Contains("--timing"), flags.Contains("--no-cwd"), repeated["--dir"], repeated["--env"], repeated["--env-file"],
            i < args.Count ? [.. args.Skip(i + 1)] : []);
    }
}
