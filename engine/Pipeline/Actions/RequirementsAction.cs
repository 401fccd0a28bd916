using Wasipy.Caching;
using Wasipy.Errors;
using Wasipy.Processes;
using Wasipy.Project;
using Wasipy.Requirements;
using Wasipy.Templates;

namespace Wasipy.Pipeline.Actions;

/// <summary>
/// The build's requirements (`requirements:`, `--requirements FILE`) as one unit of the packages step: resolved by the
/// pinned host pip into a lock when there is none for them, then exactly the locked wheels, every sha256 checked, are
/// installed into a folder whose contents the packages step merges into site-packages. Its key is the lock: an
/// unchanged lock rebuilds nothing and needs no network.
/// </summary>
public sealed class RequirementsAction(RequirementSet set) : IBuiltinAction
{
    public const string UnitId = "requirements";
    public string Name => "requirements";
    public ActionSignature Parameters { get; } = new([], []);

    public static string Folder(BuildDirs dirs) => Path.Combine(dirs.Packages, "requirements");
    public static string Site(BuildDirs dirs) => Path.Combine(Folder(dirs), "site");
    private static string Store(BuildDirs dirs) => Path.Combine(dirs.Downloads, "wheels");

    /// <summary>The unit, planned by the packages step beside the package units; it exports its folder to merge.</summary>
    public static BuildUnit Plan(BuildSession session, BuildUnit step, RequirementSet set) => new()
    {
        Id = UnitId,
        Title = "packages: requirements",
        StampName = UnitId,
        StampDir = Path.Combine(session.Dirs.Build, ".wasipy", "packages"),
        LogPath = Path.Combine(session.Dirs.Logs, "packages", "requirements.log"),
        WorkingDirectory = Folder(session.Dirs),
        Action = new RequirementsAction(set),
        // pip's version: a fingerprint, so the key is taken again after the unit ran (it may write the lock).
        Fingerprint = [$"{ShellQuote.Quote(session.Config.Pip.Python)} -m pip --version"],
        Outputs = [Site(session.Dirs)],
        Exports = new Dictionary<string, IReadOnlyList<string>> { [PackagesAction.SiteContents] = [Site(session.Dirs)] },
    };

    /// <summary>The target CPython and the requirements; then the lock's wheels when the lock is for them, else none
    /// (the unit resolves, writes the lock, and is stamped with the lock's key).</summary>
    public void AddToKey(ActionContext c, CacheKey.Builder key)
    {
        key.Add("python", c.Session.Recipe.MajorMinor).AddAll("requirements", set.Texts);
        if (c.Session.Recipe.Link == Recipes.Recipe.Dynamic) key.Add("side modules", WheelWriter.Tag(c.Session.Recipe.MajorMinor));
        var locked = RequirementsLock.Read(set.LockPath);
        key.Add("lock file", set.LockPath);
        key.AddAll("lock", locked is not null && locked.IsFor(c.Session.Recipe.MajorMinor, set.Texts) ? locked.Wheels.Select(w => w.ToString()) : []);
        key.AddAll("recipe packages", set.RecipePackages.Where(p => p.InBuild).Select(p => $"{p.Name}=={p.Version}"));
    }

    public async Task RunAsync(ActionContext c, StepLog log, CancellationToken cancellation)
    {
        var session = c.Session;
        var config = session.Config.Pip;
        var pip = new Pip(config.Python, session.Recipe.MajorMinor, session.Recipe.Version, set.Index, session.Config.Downloads.AttemptTimeoutSeconds, session.Config.Downloads.Retries, log)
        {
            SideModules = session.Recipe.Link == Recipes.Recipe.Dynamic,
        };
        await EnsurePipAsync(session, log, cancellation);
        var work = Path.Combine(Folder(session.Dirs), "work");
        var store = Store(session.Dirs);
        Directory.CreateDirectory(store);

        var python = session.Recipe.MajorMinor;
        var locked = RequirementsLock.Read(set.LockPath);
        // A lock holding wheels of side modules is for a dynamic build only.
        var usable = locked is not null && locked.Wheels.All(w => WheelName.TryParse(w.File, out var name) && pip.Accepts(name));
        if (locked is null || !locked.IsFor(python, set.Texts) || !usable)
        {
            log.WriteLine(locked is null ? $"# no lock at {set.LockPath}: resolving with pip"
                : usable ? $"# {set.LockPath} is for other requirements: resolving again"
                : $"# {set.LockPath} holds wheels of side modules, which this static build cannot load: resolving again");
            var resolved = await new PipResolver(pip, set, work).ResolveAsync(cancellation);
            foreach (var (wheel, path) in resolved) File.Copy(path, Path.Combine(store, wheel.File), overwrite: true);
            locked = new RequirementsLock(python, set.Texts, resolved.Select(r => r.Wheel).OrderBy(w => w.Name, StringComparer.Ordinal).ToList());
            locked.Write(set.LockPath);
            log.WriteLine($"# wrote {set.LockPath}: {string.Join(", ", locked.Wheels.Select(w => $"{w.Name} {w.Version}"))}");
        }
        else log.WriteLine($"# installing from {set.LockPath}");

        var files = new List<string>();
        foreach (var wheel in locked.Wheels) files.Add(await FetchAsync(pip, wheel, store, work, log, cancellation));

        var site = Site(session.Dirs);
        Sources.FileSystem.RecreateDirectory(site);
        var hashes = Path.Combine(Folder(session.Dirs), "locked.txt");
        await File.WriteAllLinesAsync(hashes, locked.Wheels.Select((w, i) => $"{files[i]} --hash=sha256:{w.Sha256}"), cancellation);
        var install = await pip.RunAsync(["install", "--target", site, "--no-deps", "--no-index", "--no-compile", "--no-warn-script-location",
            .. pip.Target, "--require-hashes", "-r", hashes], Folder(session.Dirs), cancellation);
        if (!install.Succeeded) throw new WasipyException($"pip: {install.ErrorLines.LastOrDefault() ?? "installing the locked wheels failed"}");
        // Console scripts are host programs; python.wasm runs modules (-m).
        var bin = Path.Combine(site, "bin");
        if (Directory.Exists(bin)) Directory.Delete(bin, recursive: true);
        log.WriteLine($"# installed {locked.Wheels.Count} wheel(s) into {site}");
    }

    /// <summary>A locked wheel from the download cache, or from pip at exactly its version; its sha256 must be the lock's
    /// and it must stay inside site-packages.</summary>
    private async Task<string> FetchAsync(Pip pip, LockedWheel wheel, string store, string work, StepLog log, CancellationToken cancellation)
    {
        var cached = Path.Combine(store, wheel.File);
        if (File.Exists(cached) && ContentHash.OfFile(cached) != wheel.Sha256)
        {
            log.WriteLine($"# {cached} does not have the locked sha256: removed, fetching it again");
            File.Delete(cached);
        }
        if (!File.Exists(cached))
        {
            var got = Path.Combine(work, "fetch", wheel.Name);
            Sources.FileSystem.RecreateDirectory(got);
            var result = await pip.RunAsync(["download", "--no-deps", "--dest", got, .. pip.Target, .. pip.Index.Arguments, $"{wheel.Name}=={wheel.Version}"], work, cancellation);
            var file = Path.Combine(got, wheel.File);
            if (!File.Exists(file))
                throw new WasipyException($"{wheel.File} (locked in {set.LockPath}) is not in the download cache ({store}) and pip does not offer it" +
                                          $"{(result.Succeeded ? "" : $" ({result.ErrorLines.LastOrDefault()})")}; pass the index or --find-links folder it came from, " +
                                          "or delete the lock to resolve the requirements again");
            var sha = ContentHash.OfFile(file);
            if (sha != wheel.Sha256)
                throw new WasipyException($"{wheel.File}: its sha256 is {sha}, but {set.LockPath} locks {wheel.Sha256}; the file changed since it was locked. " +
                                          "If the new file is trusted, delete the lock to resolve the requirements again");
            File.Copy(file, cached, overwrite: true);
        }
        if (WheelCheck.Problem(cached) is { } problem)
            throw new WasipyException($"{wheel.File}: {problem}; wasipy installs only wheels whose files stay inside site-packages");
        return cached;
    }

    /// <summary>The pinned pip, installed by wasipy.yaml's pip.ensure when missing.</summary>
    private static async Task EnsurePipAsync(BuildSession session, StepLog log, CancellationToken cancellation)
    {
        var config = session.Config.Pip;
        if (config.Ensure.Length > 0)
        {
            var ensure = TemplateRenderer.Render(config.Ensure, session.Model, Quoting.Shell, $"{session.Config.FilePath}: pip.ensure");
            if (await ShellRunner.RunAsync(ensure, session.Dirs.Build, session.Environment, log, cancellation) != 0)
                throw new WasipyException($"pip.ensure in {session.Config.FilePath} failed: {config.Python} has no pip; install Debian's python3-pip (docker/install-toolchain.sh does)");
        }
        var (exit, output) = await ShellRunner.CaptureAsync($"{ShellQuote.Quote(config.Python)} -m pip --version", session.Dirs.Build, cancellation);
        log.WriteLine(output.Trim());
        if (exit != 0)
            throw new WasipyException($"{config.Python} -m pip does not run ({output.Trim()}); install Debian's python3-pip (docker/install-toolchain.sh does)");
        if (config.Version.Length > 0 && !output.StartsWith($"pip {config.Version} ", StringComparison.Ordinal))
            throw new WasipyException($"{config.Python} has {output.Split(" from ")[0].Trim()}, but {session.Config.FilePath} pins pip {config.Version}; " +
                                      "install that version or change pip.version");
    }
}
