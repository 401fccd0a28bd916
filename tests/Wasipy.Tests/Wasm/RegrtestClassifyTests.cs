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
    public void Regrtest_output_and_exit_code_give_the_status(int exitCode, string stdout, TestStatus expected)
    {
        Assert.Equal(expected, RegrtestRunner.Classify(new WasiResult(exitCode, stdout, "", null)));
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
}
