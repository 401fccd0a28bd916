using System.Text.RegularExpressions;

namespace Wasipy.Requirements;

/// <summary>A wheel's file name (PEP 427): NAME-VERSION(-BUILD)?-PYTHON-ABI-PLATFORM.whl.</summary>
public sealed partial record WheelName(string Name, string Version, string Python, string Abi, string Platform)
{
    public static bool TryParse(string? file, out WheelName wheel)
    {
        wheel = null!;
        if (file is null || Path.GetFileName(file) != file) return false;
        var match = Pattern().Match(file);
        if (!match.Success) return false;
        wheel = new WheelName(Requirement.Normalize(match.Groups["name"].Value), match.Groups["version"].Value,
            match.Groups["python"].Value, match.Groups["abi"].Value, match.Groups["platform"].Value);
        return true;
    }

    /// <summary>Pure Python: runs on any CPython 3 on any platform (py3-none-any, py2.py3-none-any).</summary>
    public bool IsPure => Abi == "none" && Platform == "any" && Python.Split('.').Any(p => p is "py3" || p.StartsWith("py3", StringComparison.Ordinal));

    /// <summary>Side modules for CPython X.Y on WASI (cpXY-cpXY-wasi_0_0_0_wasm32): what a `link: dynamic` build installs.</summary>
    public bool IsSideModulesFor(string majorMinor) =>
        Python == WheelWriter.PythonTag(majorMinor) && Abi == WheelWriter.PythonTag(majorMinor) && Platform == WheelWriter.PlatformTag;

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9_.]+)-(?<version>[A-Za-z0-9_.!+]+)(?:-[0-9][A-Za-z0-9_.]*)?-(?<python>[A-Za-z0-9_.]+)-(?<abi>[A-Za-z0-9_.]+)-(?<platform>[A-Za-z0-9_.]+)\.whl$")]
    private static partial Regex Pattern();
}
