using Wasipy.Cli;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Cli;

public class ExecTargetsTests
{
    [Fact]
    public void Exec_remembers_where_python_is_and_works_it_out_again_when_the_recipe_or_options_change()
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: smoke-test
                uses: smoke-test
                with: { wasm: "{{ product.wasm }}", guest_prefix: "{{ product.guest_prefix }}" }
            product: { wasm: "{{ dirs.build }}/{{ stdlib.mode }}/python.wasm", guest_prefix: /opt/wasi-python }
            """));
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        dir.File("build/3.11/packed/python.wasm", "not really wasm");
        dir.File("build/3.11/zip/python.wasm", "not really wasm");
        int Remembered() => Directory.Exists(dir.Combine(".cache", "exec")) ? Directory.GetFiles(dir.Combine(".cache", "exec")).Length : 0;

        var first = ExecTargets.Resolve(new BuildOptions { RecipePath = recipe });
        var again = ExecTargets.Resolve(new BuildOptions { RecipePath = recipe });
        var zip = ExecTargets.Resolve(new BuildOptions { RecipePath = recipe, StdlibMode = "zip" });

        Assert.Equal(dir.Combine("build", "3.11", "packed", "python.wasm"), first.WasmPath);
        Assert.Equal(first, again);
        Assert.Equal(dir.Combine("build", "3.11", "zip", "python.wasm"), zip.WasmPath);
        Assert.Equal(2, Remembered());

        dir.File("recipes/3.11.yaml", Samples.Recipe.Replace("3.11.2", "3.11.3"));
        ExecTargets.Resolve(new BuildOptions { RecipePath = recipe });
        Assert.Equal(3, Remembered());   // a changed recipe is worked out again
    }
}
