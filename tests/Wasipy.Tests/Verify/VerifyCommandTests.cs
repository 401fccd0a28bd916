using Wasipy.Cli;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Verify;

/// <summary>`wasipy verify`: build, rebuild from nothing in a scratch copy, compare dist/ byte for byte.</summary>
public class VerifyCommandTests
{
    private static (TempDir Dir, string Recipe) Project(string wasmCommand)
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project($$$"""
              - name: dist
                cwd: "{{ dirs.build }}"
                run:
                  - mkdir -p dist/{{ dist }}/bin
                  - {{{wasmCommand}}} > dist/{{ dist }}/bin/python.wasm
                  # names the build folder, as MANIFEST.json's step keys do: not compared
                  - echo {{ dirs.build }} > dist/{{ dist }}/MANIFEST.json
                outputs: ["{{ dirs.build }}/dist/{{ dist }}/bin/python.wasm"]
            """));
        dir.File("patches/unused.txt", "copied into the scratch project\n");
        return (dir, dir.File("recipes/3.11.yaml", Samples.Recipe));
    }

    [Fact]
    public async Task A_build_whose_output_depends_only_on_its_inputs_is_reported_reproducible_and_the_scratch_copy_removed()
    {
        var (dir, recipe) = Project("echo wasm-bytes");
        using var _ = dir;
        var stdout = new StringWriter();

        var exit = await WasipyCli.RunAsync(["verify", recipe], stdout, new StringWriter());

        Assert.True(exit == 0, stdout.ToString());
        Assert.Contains("reproducible: 1 file(s) byte-identical", stdout.ToString());
        Assert.Contains("same     ", stdout.ToString());
        Assert.Contains("bin/python.wasm", stdout.ToString());
        Assert.False(Directory.Exists(dir.Combine(".cache", "verify", "3.11-packed")));
    }

    [Fact]
    public async Task A_build_that_embeds_the_time_is_reported_with_the_file_that_differs_and_both_builds_kept()
    {
        var (dir, recipe) = Project("date +%s%N");
        using var _ = dir;
        var stdout = new StringWriter();

        var exit = await WasipyCli.RunAsync(["verify", recipe], stdout, new StringWriter());

        Assert.Equal(1, exit);
        Assert.Contains("not reproducible: 1 file(s) differ", stdout.ToString());
        Assert.Contains("DIFFERS", stdout.ToString());
        Assert.Contains("bin/python.wasm", stdout.ToString());
        var scratch = dir.Combine(".cache", "verify", "3.11-packed");
        Assert.True(File.Exists(Path.Combine(scratch, "build", "3.11", "dist", "packed", "bin", "python.wasm")));
        Assert.True(File.Exists(Path.Combine(scratch, "patches", "unused.txt")));
        Assert.False(Directory.Exists(Path.Combine(scratch, "build", "3.11", "build")));   // the original build is not copied
    }
}
