using Wasipy.Pipeline;

namespace Wasipy.Tests.Support;

/// <summary>A project whose regression tests all run one stand-in WASI program (given as WebAssembly text) in place of
/// python-tests.wasm: a wasipy.yaml with a regrtest section (plus <c>regrtestExtra</c>), recipes/3.11.yaml (plus
/// <c>recipeExtra</c>), and an empty Lib/test file for each named test module.</summary>
public static class RegrtestProject
{
    public static (TempDir Dir, BuildSession Session) Create(string wat, IEnumerable<string> tests, string recipeExtra = "", string regrtestExtra = "")
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("  - name: nothing\n    run: [\"true\"]") +
            "\nregrtest:\n  wasm: \"{{ dirs.build }}/stand-in.wasm\"\n  map: [\"{{ dirs.build }}\"]\n" + regrtestExtra);
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe + recipeExtra);
        foreach (var test in tests)
            dir.File($"build/3.11/src/Lib/test/{test}.py", "");
        File.WriteAllBytes(dir.Combine("build", "3.11", "stand-in.wasm"), Wasmtime.Module.ConvertText(wat));
        return (dir, BuildSession.Open(new BuildOptions { RecipePath = recipe }));
    }
}
