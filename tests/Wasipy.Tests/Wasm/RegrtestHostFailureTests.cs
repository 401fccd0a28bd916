using Wasipy.Regrtest;
using Wasipy.Tests.Support;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

/// <summary>A recipe's regrtest.host_failures: a module that fails on one host only, for that host's defect, is an
/// expected failure there (with the cause and the host named) and an ordinary failure on the other host. A WASI
/// program that exits with 1 stands in for every failing test module.</summary>
public class RegrtestHostFailureTests
{
    private const string Fails = """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 1))))
        """;

    [Fact]
    public void A_failure_of_one_host_is_expected_on_that_host_only()
    {
        var (dir, session) = RegrtestProject.Create(Fails, ["test_os"], """

            regrtest:
              host_failures:
                node:
                  "uvwasi does not report O_NONBLOCK back": [test_os]
            """);
        using var _ = dir;
        foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot.Path, "hosts", "node"), "*.mjs"))
            dir.File($"hosts/node/{Path.GetFileName(file)}", File.ReadAllText(file));   // the Node host, as the project has it

        var onWasmtime = new RegrtestRunner(session, new StringWriter(), WasiHosts.Wasmtime).Run(new RegrtestRequest([], All: true, Jobs: 1, TimeoutSeconds: 60)).Single();
        var onNode = new RegrtestRunner(session, new StringWriter(), WasiHosts.Node).Run(new RegrtestRequest([], All: true, Jobs: 1, TimeoutSeconds: 60)).Single();

        Assert.Equal(TestStatus.Failed, onWasmtime.Status);
        Assert.Equal(TestStatus.ExpectedFailure, onNode.Status);
        Assert.Contains("\"uvwasi does not report O_NONBLOCK back (node only)\"", File.ReadAllText(dir.Combine("results", "3.11.2-node.json")));
        // Each host's logs in a folder of its own: the suites of both hosts can run at once.
        Assert.Equal(dir.Combine("build", "3.11", "logs", "regrtest", "test_os.log"), onWasmtime.LogPath);
        Assert.Equal(dir.Combine("build", "3.11", "logs", "regrtest-node", "test_os.log"), onNode.LogPath);
        Assert.True(File.Exists(onWasmtime.LogPath) && File.Exists(onNode.LogPath));
    }
}
