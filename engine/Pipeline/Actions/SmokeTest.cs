using Wasipy.Recipes;
using Wasipy.Wasm;

namespace Wasipy.Pipeline.Actions;

/// <summary>Runs the built interpreter: sys.version must start with the recipe's version and every listed module must import.</summary>
public static class SmokeTest
{
    private const string ImportProgram =
        "import importlib, sys\n" +
        "bad = []\n" +
        "for name in sys.argv[1:]:\n" +
        "    try:\n" +
        "        importlib.import_module(name)\n" +
        "    except BaseException as e:\n" +
        "        bad.append(f'{name}: {e!r}')\n" +
        "print('\\n'.join(bad) if bad else 'all imports ok')\n" +
        "sys.exit(1 if bad else 0)\n";

    /// <summary>Returns the problems found (empty when the interpreter is good); every run is written to the log.</summary>
    public static IReadOnlyList<string> Check(PythonInstall python, string expectedVersion, SmokeSpec expected, IWasiHost runner, Action<string> log)
    {
        var problems = new List<string>();
        var version = python.Run(runner, ["-c", "import sys; print(sys.version)"]);
        Log(log, "sys.version", version);
        var printed = version.Stdout.Trim();
        if (!version.Succeeded)
            problems.Add($"python.wasm -c 'print(sys.version)' exited with {version.ExitCode}{(version.Trap is null ? "" : $" ({version.Trap})")}: {LastLine(version.Stderr)}");
        else if (!printed.StartsWith(expectedVersion, StringComparison.Ordinal))
            problems.Add($"sys.version is '{printed}', expected it to start with '{expectedVersion}'");

        if (expected.Imports.Count > 0 && version.Succeeded)
        {
            var imports = python.Run(runner, ["-c", ImportProgram, .. expected.Imports]);
            Log(log, "imports " + string.Join(' ', expected.Imports), imports);
            if (!imports.Succeeded)
                problems.Add($"these modules did not import: {(imports.Stdout.Trim().Length > 0 ? imports.Stdout.Trim().Replace("\n", "; ") : LastLine(imports.Stderr))}");
        }
        if (version.Succeeded)
            for (var i = 0; i < expected.Checks.Count; i++)
            {
                var check = python.Run(runner, ["-c", expected.Checks[i]]);
                Log(log, $"check {i + 1}: {expected.Checks[i]}", check);
                if (!check.Succeeded)
                    problems.Add($"check {i + 1} failed ({expected.Checks[i]}): {LastLine(check.Stderr)}");
            }
        return problems;
    }

    private static void Log(Action<string> log, string what, WasiResult result)
    {
        log($"--- {what}: exit {result.ExitCode}{(result.Trap is null ? "" : $", trap: {result.Trap}")}");
        if (result.Stdout.Length > 0) log(result.Stdout.TrimEnd());
        if (result.Stderr.Length > 0) log(result.Stderr.TrimEnd());
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n').LastOrDefault() ?? "";
}
