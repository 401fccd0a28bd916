using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>A toolchain that builds its own C library (toolchains.NAME.sysroot), chosen by a recipe variant.</summary>
public class ToolchainSysrootTests
{
    private sealed class Project : IDisposable
    {
        private readonly TempDir _dir = new();

        public Project(string recipeExtra, string sysrootCommand = "echo libc-1")
        {
            _dir.File("wasipy.yaml", $$$"""
                directories:
                  build: build/{{ recipe.version }}{{ if recipe.variant != "" }}-{{ recipe.variant }}{{ end }}
                  downloads: downloads
                install_prefix: /opt/wasi-python
                stdlib_modes:
                  packed:
                    embedded: true
                toolchains:
                  plain:
                    cc: cc
                    ar: ar
                    ranlib: ranlib
                    strip: strip
                  threads:
                    threads: true
                    sysroot: recipes/libs/fakelibc.yaml
                    cc: cc --sysroot={{ dirs.sysroot }}
                    ar: ar
                    ranlib: ranlib
                    strip: strip
                steps:
                  - name: sysroot
                    when: "{{ toolchain.sysroot != '' }}"
                    uses: libraries
                    with: { set: sysroot }
                  - name: libraries
                    uses: libraries
                  - name: report
                    cwd: "{{ dirs.build }}"
                    run: ["echo '{{ toolchain.cc }} {{ toolchain.threads }}' > toolchain.txt"]
                """);
            _dir.File("recipes/libs/marker.txt", "a project file the libraries are built from\n");
            _dir.File("recipes/libs/fakelibc.yaml", $$$"""
                name: fakelibc
                version: "1"
                inputs: [marker.txt]
                build:
                  - mkdir -p {{ lib.prefix }}/lib && {{{sysrootCommand}}} > {{ lib.prefix }}/lib/libc.txt
                outputs: ["{{ lib.prefix }}/lib/libc.txt"]
                """);
            _dir.File("recipes/libs/tiny.yaml", """
                name: tiny
                version: "1"
                inputs: [marker.txt]
                build:
                  - mkdir -p {{ lib.prefix }}/lib && cat {{ lib.prefix }}/lib/libc.txt > {{ lib.prefix }}/lib/tiny.txt || echo none > {{ lib.prefix }}/lib/tiny.txt
                outputs: ["{{ lib.prefix }}/lib/tiny.txt"]
                """);
            RecipePath = _dir.File("recipes/3.11.yaml", Samples.Recipe + "\nlibraries:\n  - recipe: libs/tiny.yaml\n" + recipeExtra);
        }

        public string RecipePath { get; }
        public string Combine(params string[] parts) => _dir.Combine(parts);
        public void Write(string relative, string content) => _dir.File(relative, content);

        public async Task<IReadOnlyList<(string, StepStatus)>> RunAsync()
        {
            var outcomes = await new PipelineRunner(BuildSession.Open(new BuildOptions { RecipePath = RecipePath }), new RecordingReporter()).RunAsync(CancellationToken.None);
            return outcomes.Select(o => (o.Step, o.Status)).ToList();
        }

        public void Dispose() => _dir.Dispose();
    }

    [Fact]
    public async Task A_recipe_that_names_a_threads_toolchain_builds_its_sysroot_first_in_its_own_folders()
    {
        using var project = new Project("variant: threads\ntoolchain: threads\n");

        var outcomes = await project.RunAsync();

        Assert.Equal([("libraries: fakelibc", StepStatus.Done), ("sysroot", StepStatus.Done), ("libraries: tiny", StepStatus.Done),
                      ("libraries", StepStatus.Done), ("report", StepStatus.Done)], outcomes);
        var prefix = project.Combine("build", "wasm-libs", "threads", "prefix");
        Assert.Equal("libc-1\n", File.ReadAllText(Path.Combine(prefix, "lib", "tiny.txt")));   // built after, against it
        Assert.Equal($"cc --sysroot={prefix} true\n", File.ReadAllText(project.Combine("build", "3.11.2-threads", "toolchain.txt")));
    }

    [Fact]
    public async Task Changing_the_sysroot_recipe_rebuilds_the_libraries_built_against_it()
    {
        using var project = new Project("variant: threads\ntoolchain: threads\n");
        await project.RunAsync();
        project.Write("recipes/libs/fakelibc.yaml", File.ReadAllText(project.Combine("recipes", "libs", "fakelibc.yaml")).Replace("libc-1", "libc-2"));

        var outcomes = await project.RunAsync();

        Assert.Contains(("libraries: tiny", StepStatus.Done), outcomes);
        Assert.Equal("libc-2\n", File.ReadAllText(project.Combine("build", "wasm-libs", "threads", "prefix", "lib", "tiny.txt")));
    }

    [Fact]
    public async Task A_recipe_without_a_toolchain_uses_the_default_and_skips_the_sysroot_step()
    {
        using var project = new Project("");

        var outcomes = await project.RunAsync();

        Assert.Equal([("sysroot", StepStatus.Skipped), ("libraries: tiny", StepStatus.Done), ("libraries", StepStatus.Done), ("report", StepStatus.Done)], outcomes);
        Assert.Equal("cc false\n", File.ReadAllText(project.Combine("build", "3.11.2", "toolchain.txt")));
    }

    [Fact]
    public void A_recipe_that_names_an_unknown_toolchain_is_refused_with_its_file_and_line()
    {
        using var project = new Project("toolchain: threadz\n");

        var e = Assert.ThrowsAny<WasipyException>(() => BuildSession.Open(new BuildOptions { RecipePath = project.RecipePath }));

        Assert.Equal(2, e.ExitCode);
        Assert.Contains("3.11.yaml", e.Message);
        Assert.Contains("toolchain 'threadz' is not defined", e.Message);
        Assert.Contains("plain, threads", e.Message);
    }

    [Fact]
    public void A_toolchain_whose_sysroot_recipe_is_missing_is_refused_when_wasipy_yaml_loads()
    {
        using var project = new Project("toolchain: threads\n");
        File.Delete(project.Combine("recipes", "libs", "fakelibc.yaml"));

        var e = Assert.ThrowsAny<WasipyException>(() => BuildSession.Open(new BuildOptions { RecipePath = project.RecipePath }));

        Assert.Equal(2, e.ExitCode);
        Assert.Contains("wasipy.yaml", e.Message);
        Assert.Contains("sysroot recipe 'recipes/libs/fakelibc.yaml' not found", e.Message);
    }
}
