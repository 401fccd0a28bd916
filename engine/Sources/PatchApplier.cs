using System.Text.RegularExpressions;
using Wasipy.Errors;
using Wasipy.Processes;

namespace Wasipy.Sources;

/// <summary>Applies unified diffs with `patch -p1`, checking each with --dry-run first so a failure names the patch and file.</summary>
public static partial class PatchApplier
{
    public static async Task ApplyAsync(IReadOnlyList<string> patches, string sourceDir, StepLog log, CancellationToken cancellation)
    {
        foreach (var patch in patches)
        {
            var args = $"patch -p1 --forward --batch -d {Templates.ShellQuote.Quote(sourceDir)} -i {Templates.ShellQuote.Quote(patch)}";
            var (exit, output) = await ShellRunner.CaptureAsync(args + " --dry-run", sourceDir, cancellation);
            log.WriteLine($"$ {args} --dry-run");
            log.WriteLine(output);
            if (exit != 0)
                throw new StepFailedException("patch", Explain(patch, output), log.Path, exit);
            var code = await ShellRunner.RunAsync(args, sourceDir, new Dictionary<string, string>(), log, cancellation);
            if (code != 0)
                throw new StepFailedException("patch", $"patch {patch} failed to apply (exit code {code})", log.Path, code);
        }
    }

    /// <summary>Turns patch's output into "patch X does not apply to Y: hunk #2 failed at line 120".</summary>
    internal static string Explain(string patch, string output)
    {
        string? file = null;
        var problems = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            if (PatchingFile().Match(line) is { Success: true } m) file = m.Groups[1].Value.Trim();
            else if (HunkFailed().Match(line) is { Success: true } h)
                problems.Add($"{file ?? "?"}: hunk #{h.Groups[1].Value} failed at line {h.Groups[2].Value}");
            else if (line.Contains("can't find file to patch", StringComparison.Ordinal))
                problems.Add("a file it changes does not exist in the source tree (wrong -p level or wrong version?)");
            else if (line.Contains("Reversed (or previously applied) patch", StringComparison.Ordinal))
                problems.Add($"{file ?? "?"}: already applied (or reversed)");
        }
        var detail = problems.Count > 0 ? string.Join("; ", problems.Distinct()) : output.Trim();
        return $"patch {patch} does not apply: {detail}. Refresh the patch against this version's source or drop it from the recipe";
    }

    [GeneratedRegex(@"^(?:checking|patching) file (.+)$")]
    private static partial Regex PatchingFile();

    [GeneratedRegex(@"^Hunk #(\d+) FAILED at (\d+)")]
    private static partial Regex HunkFailed();
}
