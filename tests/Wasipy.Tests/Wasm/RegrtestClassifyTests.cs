using Wasipy.Regrtest;
using Wasipy.Wasm;

namespace Wasipy.Tests.Wasm;

public class RegrtestClassifyTests
{
    [Theory]
    [InlineData(0, "== Tests result: SUCCESS ==\n\n1 test OK.\n", TestStatus.Passed)]
    [InlineData(0, "test_tk skipped -- No module named '_tkinter'\n\n== Tests result: SUCCESS ==\n\n1 test skipped:\n    test_tk\n", TestStatus.Skipped)]
    [InlineData(2, "test_os failed (2 errors)\n\n== Tests result: FAILURE ==\n", TestStatus.Failed)]
    [InlineData(1, "== Tests result: SUCCESS ==\n", TestStatus.Failed)]
    [InlineData(4, "test_curses skipped -- Use of the 'curses' resource not enabled\n\n== Tests result: NO TESTS RAN ==\n", TestStatus.Skipped)]
    [InlineData(0, "0:00:00 [1/1] test_empty\n\n== Tests result: NO TEST RUN ==\n", TestStatus.Skipped)]   // 3.9: no test in the module, exit 0
    public void Regrtest_output_and_exit_code_give_the_status(int exitCode, string stdout, TestStatus expected)
    {
        Assert.Equal(expected, RegrtestRunner.Classify(new WasiResult(exitCode, stdout, "", null)));
    }

    [Theory]
    [InlineData("0:00:00 [1/1] test_tk\ntest_tk skipped -- No module named '_tkinter'\n\n== Tests result: SUCCESS ==\n", "No module named '_tkinter'")]
    [InlineData("test_curses skipped -- Use of the 'curses' resource not enabled\n", "Use of the 'curses' resource not enabled")]
    [InlineData("== Tests result: SUCCESS ==\n\n1 test OK.\n", "")]
    public void A_module_skipped_as_a_whole_keeps_regrtests_reason(string stdout, string reason)
    {
        Assert.Equal(reason, RegrtestRunner.SkipReason(new WasiResult(0, stdout, "", null)));
    }

    [Theory]
    [InlineData(0, "....\n----------------------------------------------------------------------\nRan 4 tests in 0.1s\n\nOK (skipped=1)\n", TestStatus.Passed)]
    [InlineData(0, "s\n----------------------------------------------------------------------\nRan 1 test in 0.0s\n\nOK (skipped=1)\n", TestStatus.Skipped)]
    [InlineData(0, "\n----------------------------------------------------------------------\nRan 0 tests in 0.0s\n\nOK\n", TestStatus.Skipped)]
    [InlineData(1, ".F\n----------------------------------------------------------------------\nRan 2 tests in 0.1s\n\nFAILED (failures=1)\n", TestStatus.Failed)]
    public void Unittest_output_on_stderr_and_exit_code_give_the_status(int exitCode, string stderr, TestStatus expected)
    {
        Assert.Equal(expected, RegrtestRunner.ClassifyUnittest(new WasiResult(exitCode, "", stderr, null)));
    }

    [Theory]
    [InlineData(128, "timed out after 180s", TestStatus.TimedOut)]
    [InlineData(128, "wasm trap: out of bounds memory access", TestStatus.Crashed)]
    [InlineData(134, null, TestStatus.Crashed)]
    public void A_time_out_a_trap_or_an_abort_is_not_a_plain_failure(int exitCode, string? trap, TestStatus expected)
    {
        Assert.Equal(expected, RegrtestRunner.Classify(new WasiResult(exitCode, "", "", trap)));
        Assert.Equal(expected, RegrtestRunner.ClassifyUnittest(new WasiResult(exitCode, "", "", trap)));
    }

    [Fact]
    public void The_first_error_line_names_the_failing_test_and_its_exception()
    {
        const string stderr = """
            ======================================================================
            ERROR: test_socketpair (test.test_socket.BasicSocketPairTest.test_socketpair)
            ----------------------------------------------------------------------
            Traceback (most recent call last):
              File "/lib/test/test_socket.py", line 12, in test_socketpair
            OSError: [Errno 58] Not supported
            """;

        Assert.Equal("ERROR: test_socketpair (test.test_socket.BasicSocketPairTest.test_socketpair): OSError: [Errno 58] Not supported",
            RegrtestRunner.FirstError(new WasiResult(1, "", stderr, null)));
        Assert.Equal("ModuleNotFoundError: No module named '_testcapi'",
            RegrtestRunner.FirstError(new WasiResult(1, "test_x failed\n", "Traceback...\nModuleNotFoundError: No module named '_testcapi'\n", null)));
        Assert.Equal("trap: wasm trap: unreachable", RegrtestRunner.FirstError(new WasiResult(128, "", "", "wasm trap: unreachable\nmore")));
    }

    [Theory]
    [InlineData("3.13.15", null, "wasmtime", "3.13.15.json")]
    [InlineData("3.13.15", "threads", "wasmtime", "3.13.15-threads.json")]
    [InlineData("3.13.15", null, "node", "3.13.15-node.json")]
    [InlineData("3.13.15", "threads", "node", "3.13.15-threads-node.json")]
    public void Each_host_and_variant_has_a_results_table_of_its_own(string version, string? variant, string runtime, string file)
    {
        Assert.Equal(Path.Combine("/p", "results", file), RegrtestRunner.ResultsPath("/p", version, variant, runtime));
    }
}
