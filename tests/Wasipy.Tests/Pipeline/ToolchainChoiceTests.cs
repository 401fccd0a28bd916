using Scriban.Runtime;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>The project's own wasipy.yaml: which toolchain a build gets, and the tool paths it renders.</summary>
public class ToolchainChoiceTests
{
    private static readonly string Recipe = Path.Combine(RepoRoot.Path, "recipes", "3.11.yaml");

    private static ScriptObject Toolchain(BuildSession session) => Assert.IsType<ScriptObject>(session.Model["toolchain"]);

    [Fact]
    public void Without_WASI_SDK_PATH_the_debian_toolchain_is_used()
    {
        var session = BuildSession.Open(new BuildOptions { RecipePath = Recipe, Environment = new Dictionary<string, string>() });
        Assert.Equal("debian", session.ToolchainName);
        Assert.Equal($"clang-16 --target=wasm32-wasi -ffile-prefix-map={RepoRoot.Path}/=", Toolchain(session)["cc"]);
    }

    [Fact]
    public void WASI_SDK_PATH_selects_the_wasi_sdk_and_its_paths()
    {
        var environment = new Dictionary<string, string> { ["WASI_SDK_PATH"] = "/opt/wasi-sdk" };
        var session = BuildSession.Open(new BuildOptions { RecipePath = Recipe, Environment = environment });
        Assert.Equal("wasi-sdk", session.ToolchainName);
        Assert.Equal($"/opt/wasi-sdk/bin/clang --target=wasm32-wasi --sysroot=/opt/wasi-sdk/share/wasi-sysroot -ffile-prefix-map={RepoRoot.Path}/=", Toolchain(session)["cc"]);
        Assert.Equal("/opt/wasi-sdk/bin/llvm-ar", Toolchain(session)["ar"]);
        Assert.Equal("/opt/wasi-sdk/bin/llvm-strip", Toolchain(session)["strip"]);
        var dirs = Assert.IsType<ScriptObject>(session.Model["dirs"]);
        Assert.EndsWith("build/wasm-libs/wasi-sdk/prefix", Assert.IsType<string>(dirs["sysroot"]));
    }

    [Fact]
    public void An_unknown_toolchain_name_is_a_usage_error_listing_the_known_ones()
    {
        var e = Assert.Throws<WasipyException>(() =>
            BuildSession.Open(new BuildOptions { RecipePath = Recipe, Toolchain = "emsdk", Environment = new Dictionary<string, string>() }));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("wasi-sdk, debian", e.Message);
    }
}
