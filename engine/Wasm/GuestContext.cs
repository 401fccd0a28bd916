using Wasipy.Errors;

namespace Wasipy.Wasm;

/// <summary>What `wasipy exec` asks for besides python's own arguments: the working directory to map (null: a
/// sealed run, `--no-cwd`), `--dir` specs, `--env` specs and `--env-file` paths.</summary>
public sealed record GuestContextOptions
{
    public string? WorkingDirectory { get; init; }
    public IReadOnlyList<string> Dirs { get; init; } = [];
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string> EnvFiles { get; init; } = [];
}

/// <summary>
/// What a user's program sees of the host besides the interpreter: its working directory (mapped at its own
/// absolute path, named by PWD, where python.wasm starts: compat/wasipy_cwd.c), the folders given with
/// `--dir HOST[::GUEST][:ro]` and the variables given with `--env` and `--env-file`. Nothing else of the host.
/// </summary>
public sealed record GuestContext(IReadOnlyList<Preopen> Folders, IReadOnlyDictionary<string, string> Environment)
{
    public static GuestContext None { get; } = new([], new Dictionary<string, string>());

    /// <summary>Checks every spec (a missing folder, a guest path that would hide the interpreter's own files at
    /// <paramref name="guestPrefix"/>, a malformed variable) before anything runs: bad input is exit 2.</summary>
    public static GuestContext Create(GuestContextOptions options, string guestPrefix, Func<string, string?>? hostVariable = null)
    {
        hostVariable ??= System.Environment.GetEnvironmentVariable;
        var folders = new List<Preopen>();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.WorkingDirectory is { } cwd)
        {
            var here = Path.GetFullPath(cwd);
            CheckGuestPath(here, guestPrefix, "the current folder", "run from another folder, or pass --no-cwd");
            folders.Add(new Preopen(here, here));
            environment["PWD"] = here;
        }
        foreach (var spec in options.Dirs)
        {
            var folder = ParseDir(spec, options.WorkingDirectory ?? System.Environment.CurrentDirectory, guestPrefix);
            // The same guest path twice: a --dir at the working directory's own path (`--dir .:ro`) replaces it.
            var same = folders.FindIndex(f => f.GuestPath == folder.GuestPath);
            if (same == 0 && options.WorkingDirectory is not null) folders[0] = folder;
            else if (same >= 0) throw new WasipyException($"--dir {spec}: {folder.GuestPath} is mapped twice; give each folder its own guest path", 2);
            else folders.Add(folder);
        }
        foreach (var file in options.EnvFiles) foreach (var (name, value) in ReadEnvFile(file)) environment[name] = value;
        foreach (var spec in options.Env)
        {
            var (name, value) = ParseVariable(spec, $"--env {spec}");
            environment[name] = value ?? hostVariable(name)
                ?? throw new WasipyException($"--env {spec}: {name} is not set here, so there is no value to pass; give {name}=VALUE", 2);
        }
        return new GuestContext(folders, environment);
    }

    /// <summary>`HOST[::GUEST][:ro]`: HOST relative to <paramref name="baseDir"/>, GUEST (default: HOST's absolute
    /// path) an absolute guest path.</summary>
    public static Preopen ParseDir(string spec, string baseDir, string guestPrefix)
    {
        var readOnly = spec.EndsWith(":ro", StringComparison.Ordinal);
        var body = readOnly ? spec[..^3] : spec;
        var separator = body.IndexOf("::", StringComparison.Ordinal);
        var host = separator < 0 ? body : body[..separator];
        var guest = separator < 0 ? null : body[(separator + 2)..];
        if (host.Length == 0) throw new WasipyException($"--dir {spec}: no host folder; write --dir HOST[::GUEST][:ro]", 2);
        var hostPath = Path.GetFullPath(host, baseDir);
        if (!Directory.Exists(hostPath))
            throw new WasipyException(File.Exists(hostPath) || Path.Exists(hostPath)
                ? $"--dir {spec}: {hostPath} is not a folder; --dir maps folders (map the folder that holds the file)"
                : $"--dir {spec}: {hostPath} does not exist", 2);
        if (guest is not null && !guest.StartsWith('/'))
            throw new WasipyException($"--dir {spec}: the guest path '{guest}' must be absolute (start with /)", 2);
        var guestPath = guest is null ? hostPath : Path.GetFullPath(guest);
        CheckGuestPath(guestPath, guestPrefix, $"--dir {spec}", "map it somewhere else with --dir HOST::GUEST");
        return new Preopen(hostPath, guestPath, readOnly);
    }

    /// <summary>A guest path at or inside the install prefix would hide the interpreter's standard library.</summary>
    private static void CheckGuestPath(string guestPath, string guestPrefix, string what, string todo)
    {
        var prefix = guestPrefix.TrimEnd('/');
        if (prefix.Length > 0 && (guestPath.TrimEnd('/') == prefix || guestPath.StartsWith(prefix + "/", StringComparison.Ordinal)))
            throw new WasipyException($"{what}: {guestPath} is inside {prefix}, where python.wasm finds its standard library; {todo}", 2);
    }

    /// <summary>KEY=VALUE lines; blank lines and lines starting with # are skipped; the value is taken as it is
    /// (no quotes are removed), as Docker's --env-file does.</summary>
    public static IEnumerable<(string Name, string Value)> ReadEnvFile(string path)
    {
        if (Sources.FileKinds.OfTarget(path) == Sources.FileKind.Missing) throw new WasipyException($"--env-file {path}: file not found", 2);
        Sources.FileKinds.RequireRegularFile(path, "--env-file");
        if (new FileInfo(path).Length > 1024 * 1024)
            throw new WasipyException($"--env-file {path}: larger than 1 MiB; an environment file holds KEY=VALUE lines", 2);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.TrimEnd('\r');
            if (text.Trim().Length == 0 || text.TrimStart().StartsWith('#')) continue;
            var (name, value) = ParseVariable(text, $"{path}({number})");
            if (value is null) throw new WasipyException($"{path}({number}): '{name}' has no value; write {name}=VALUE", 2);
            yield return (name, value);
        }
    }

    private static (string Name, string? Value) ParseVariable(string spec, string where)
    {
        var equals = spec.IndexOf('=');
        var name = equals < 0 ? spec : spec[..equals];
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')) || char.IsAsciiDigit(name[0]))
            throw new WasipyException($"{where}: '{name}' is not a variable name (letters, digits and _, not starting with a digit); write KEY=VALUE", 2);
        return (name, equals < 0 ? null : spec[(equals + 1)..]);
    }
}
