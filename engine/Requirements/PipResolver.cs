using System.IO.Compression;
using System.Text;
using Wasipy.Caching;
using Wasipy.Errors;

namespace Wasipy.Requirements;

/// <summary>
/// Resolves requirements with pip for the target CPython into a lock: pip downloads pure wheels only; a requirement it
/// cannot meet that way is looked at once more (a platform wheel means C extensions: refused by name; an sdist is built
/// into a wheel by the host pip, kept if pure) and pip resolves again. The package recipes of the build stand in as
/// stub wheels at their own versions (a constraint), so pip takes them as given and never fetches them.
/// </summary>
public sealed class PipResolver(Pip pip, RequirementSet set, string work)
{
    public async Task<IReadOnlyList<(LockedWheel Wheel, string Path)>> ResolveAsync(CancellationToken cancellation)
    {
        Sources.FileSystem.RecreateDirectory(work);
        var (built, stubs, got) = (Folder("built"), Folder("stubs"), Path.Combine(work, "resolved"));
        var provided = set.RecipePackages.Where(p => p.InBuild).ToList();
        foreach (var package in provided) StubWheel(stubs, package);
        var requirementsFile = Path.Combine(work, "requirements.txt");
        var constraintsFile = Path.Combine(work, "constraints.txt");
        await File.WriteAllLinesAsync(requirementsFile, set.Texts, cancellation);
        await File.WriteAllLinesAsync(constraintsFile, provided.Select(p => $"{p.Name}=={p.Version}"), cancellation);
        var tried = new HashSet<string>();
        while (true)
        {
            Sources.FileSystem.RecreateDirectory(got);
            var result = await pip.RunAsync(["download", "--dest", got, .. pip.Target, .. pip.Index.Arguments,
                "--find-links", built, "--find-links", stubs, "-c", constraintsFile, "-r", requirementsFile], work, cancellation);
            if (result.Succeeded) break;
            var missing = result.ErrorLines.Select(l => l.StartsWith("No matching distribution found for ", StringComparison.Ordinal) ? l["No matching distribution found for ".Length..].Trim() : null)
                .FirstOrDefault(s => s is not null);
            if (missing is null || !tried.Add(missing)) throw Failure(result);
            await BuildOrRefuseAsync(missing, built, result, cancellation);
        }
        var wheels = new List<(LockedWheel, string)>();
        foreach (var file in Directory.GetFiles(got).Order(StringComparer.Ordinal))
        {
            if (!WheelName.TryParse(Path.GetFileName(file), out var wheel) || !pip.Accepts(wheel))
                throw new WasipyException($"pip chose {Path.GetFileName(file)}, which is not a pure wheel; wasipy installs only py3-none-any wheels" +
                                          (pip.SideModules ? $" and, in a dynamic build, {WheelWriter.Tag(pip.TargetVersion)} ones" : ""));
            if (set.RecipePackages.FirstOrDefault(p => p.Name == wheel.Name) is { } recipe)
            {
                if (recipe.InBuild) continue;   // its stub: the recipe provides it
                if (!(recipe.Compiled && wheel.IsSideModulesFor(pip.TargetVersion)))   // else a wheel of its side modules, built already
                    throw new WasipyException(recipe.Refusal($" (needed by {string.Join(", ", set.Texts)})"));
            }
            if (WheelCheck.Problem(file) is { } problem)
                throw new WasipyException($"{Path.GetFileName(file)}: {problem}; wasipy installs only wheels whose files stay inside site-packages");
            wheels.Add((new LockedWheel(wheel.Name, wheel.Version, Path.GetFileName(file), ContentHash.OfFile(file)), file));
        }
        return wheels;
    }

    /// <summary>A requirement with no pure wheel: a platform wheel means C extensions (refused); an sdist is built, and
    /// kept only if what it builds is pure; neither leaves pip's own error.</summary>
    private async Task BuildOrRefuseAsync(string requirement, string built, Pip.Result failed, CancellationToken cancellation)
    {
        var name = Requirement.Parse(requirement, "pip").Requirement?.Name ?? requirement;
        if (set.RecipePackages.FirstOrDefault(p => p.Name == name) is { } recipe)
            throw new WasipyException(recipe.Refusal($" (needed by {string.Join(", ", set.Texts)})"));
        var binary = Path.Combine(work, "probe-binary");
        Sources.FileSystem.RecreateDirectory(binary);
        var probe = await pip.RunAsync(["download", "--no-deps", "--dest", binary, "--only-binary=:all:", .. pip.Index.Arguments, requirement], work, cancellation);
        if (probe.Succeeded && Directory.GetFiles(binary, "*.whl").Any(f => WheelName.TryParse(Path.GetFileName(f), out var w) && !w.IsPure))
            throw new WasipyException(Refusal(name));
        if (!pip.SideModules)
        {
            // A wheel of side modules for the target (wasipy writes them in dynamic builds): the host's own tags never take it.
            Sources.FileSystem.RecreateDirectory(binary);
            probe = await pip.RunAsync(["download", "--no-deps", "--dest", binary, .. (pip with { SideModules = true }).Target, .. pip.Index.Arguments, requirement], work, cancellation);
            if (probe.Succeeded && Directory.GetFiles(binary, "*.whl").Any(f => WheelName.TryParse(Path.GetFileName(f), out var w) && w.IsSideModulesFor(pip.TargetVersion)))
                throw new WasipyException($"{name}'s wheel for {WheelWriter.Tag(pip.TargetVersion)} holds side modules, which only a link: dynamic build loads: build with --link dynamic");
        }
        var source = Path.Combine(work, "probe-source");
        Sources.FileSystem.RecreateDirectory(source);
        // Its metadata is prepared with the host's build backends too (no isolated environment to download them into).
        probe = await pip.RunAsync(["download", "--no-deps", "--no-build-isolation", "--dest", source, "--no-binary=:all:", .. pip.Index.Arguments, requirement], work, cancellation);
        var sdist = probe.Succeeded ? Directory.GetFiles(source).FirstOrDefault() : null;
        if (sdist is null && Directory.GetFiles(source).Length == 0 && probe.ErrorLines.Any(l => l.StartsWith("No matching distribution", StringComparison.Ordinal)))
            throw Failure(failed);
        if (sdist is null)
            throw new WasipyException($"{name} comes only as a source distribution and pip could not prepare it with the host's build backends: " +
                                      $"{probe.ErrorLines.LastOrDefault() ?? "see the log"}; make a pure wheel of it, put it in a --find-links folder and build again");
        // Built by the host pip with the host's build backends (setuptools, flit, hatchling: no network).
        var wheels = Path.Combine(work, "probe-wheel");
        Sources.FileSystem.RecreateDirectory(wheels);
        var build = await pip.RunAsync(["wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", wheels, sdist], work, cancellation);
        if (!build.Succeeded)
            throw new WasipyException($"{name} comes only as a source distribution ({Path.GetFileName(sdist)}) and pip could not build it into a wheel: " +
                                      $"{build.ErrorLines.FirstOrDefault() ?? "see the log"}; make a pure wheel of it, put it in a --find-links folder and build again");
        foreach (var wheel in Directory.GetFiles(wheels, "*.whl"))
        {
            if (!WheelName.TryParse(Path.GetFileName(wheel), out var w) || !w.IsPure) throw new WasipyException(Refusal(name));
            pip.Log.WriteLine($"# {name}: built the pure wheel {Path.GetFileName(wheel)} from {Path.GetFileName(sdist)}");
            File.Copy(wheel, Path.Combine(built, Path.GetFileName(wheel)), overwrite: true);
        }
    }

    private string Refusal(string name) =>
        set.RecipePackages.FirstOrDefault(p => p.Name == name) is { } recipe
            ? recipe.Refusal("")
            : $"{name} has C extensions: write a package recipe (recipes/packages/{name}.yaml) that builds them for wasm32-wasi and use it with `--with {name}`";

    /// <summary>pip's own error, in one line: the conflict it found, or its last ERROR line.</summary>
    private static WasipyException Failure(Pip.Result result)
    {
        var conflict = result.Errors.SkipWhile(l => !l.Contains("The conflict is caused by:")).Skip(1).TakeWhile(l => l.Trim().Length > 0).Select(l => l.Trim()).ToList();
        if (conflict.Count > 0)
            return new WasipyException($"pip: the requirements conflict: {string.Join("; ", conflict)}" +
                                       (conflict.Any(l => l.Contains("(constraint)")) ? " (a constraint is a package recipe's version: the versions must agree)" : ""));
        var line = result.ErrorLines.LastOrDefault() ?? result.Errors.LastOrDefault(l => l.Trim().Length > 0) ?? $"exit code {result.ExitCode}";
        return new WasipyException($"pip: {line}");
    }

    private string Folder(string name)
    {
        var path = Path.Combine(work, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A wheel that only says NAME VERSION is here (and what it needs): how pip learns what a recipe provides.</summary>
    private static void StubWheel(string folder, RecipePackage package)
    {
        var stem = $"{package.Name.Replace('-', '_')}-{package.Version}";
        using var zip = ZipFile.Open(Path.Combine(folder, stem + "-py3-none-any.whl"), ZipArchiveMode.Create);
        void Add(string name, string text)
        {
            using var writer = new StreamWriter(zip.CreateEntry($"{stem}.dist-info/{name}").Open(), new UTF8Encoding(false));
            writer.Write(text);
        }
        Add("METADATA", $"Metadata-Version: 2.1\nName: {package.Name}\nVersion: {package.Version}\n" +
                        string.Concat(package.Needs.Select(n => $"Requires-Dist: {n}\n")) + $"Summary: provided by {package.FilePath}\n");
        Add("WHEEL", "Wheel-Version: 1.0\nGenerator: wasipy\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        Add("RECORD", "");
    }
}
