using System.Security.Cryptography;
using Wasipy.Pipeline;
using Wasipy.Processes;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>SOURCE_DATE_EPOCH: a unit's build sees its source's own date (reproducible-builds.org).</summary>
public class SourceDateTests
{
    private static async Task<string> BuildAndReadDate(IReadOnlyDictionary<string, string>? environment = null)
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: libraries
                uses: libraries
            """));
        dir.File("dated-1.0/old.h", "old\n");
        dir.File("dated-1.0/new.h", "new\n");
        // Entries with two dates: the newer one is the source's date.
        foreach (var command in new[]
                 {
                     "touch -d '1999-12-31 23:00:00 UTC' dated-1.0/old.h", "touch -d '2001-02-03 04:05:06 UTC' dated-1.0/new.h",
                     "touch -d '2000-01-01 00:00:00 UTC' dated-1.0", "tar czf dated-1.0.tar.gz dated-1.0",
                 })
        {
            var (exit, output) = await ShellRunner.CaptureAsync(command, dir.Path, CancellationToken.None);
            Assert.True(exit == 0, output);
        }
        var archive = dir.Combine("dated-1.0.tar.gz");
        dir.File("recipes/libs/dated.yaml", $"""
            name: dated
            version: "1.0"
            source:
              urls: ["{new Uri(archive).AbsoluteUri}"]
              sha256: {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive)))}
            build:
              - mkdir -p {"{{ lib.prefix }}"} && echo "$SOURCE_DATE_EPOCH" > {"{{ lib.prefix }}"}/date.txt
            """);
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe + "\nlibraries:\n  - recipe: libs/dated.yaml\n");
        var env = environment ?? Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key != "SOURCE_DATE_EPOCH").ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        await new PipelineRunner(BuildSession.Open(new BuildOptions { RecipePath = recipe, Environment = env }), new RecordingReporter()).RunAsync(CancellationToken.None);
        return File.ReadAllText(dir.Combine("build", "wasm-libs", "fake", "prefix", "date.txt")).Trim();
    }

    [Fact]
    public async Task A_library_builds_with_SOURCE_DATE_EPOCH_set_to_the_newest_entry_of_its_archive()
    {
        var date = await BuildAndReadDate();

        Assert.Equal(DateTimeOffset.Parse("2001-02-03T04:05:06Z").ToUnixTimeSeconds().ToString(), date);
    }

    [Fact]
    public async Task A_SOURCE_DATE_EPOCH_the_user_set_is_kept()
    {
        var env = new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH")!, ["SOURCE_DATE_EPOCH"] = "42" };

        Assert.Equal("42", await BuildAndReadDate(env));
    }
}
