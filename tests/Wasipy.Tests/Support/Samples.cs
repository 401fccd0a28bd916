namespace Wasipy.Tests.Support;

/// <summary>Small valid inputs that tests change one thing in.</summary>
public static class Samples
{
    public const string Sha = "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849";

    public const string Recipe = """
        version: 3.11.2
        source:
          urls:
            - https://www.python.org/ftp/python/3.11.2/Python-3.11.2.tgz
          sha256: 2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849
        configure:
          host: wasm32-unknown-wasi
          config_site: Tools/wasm/config.site-wasm32-wasi
          config_site_overrides:
            ac_cv_func_dlopen: "no"
          flags: [--disable-test-modules]
          cflags: [-Wno-error=int-conversion]
        smoke:
          imports: [json]
        """;

    /// <summary>A project whose pipeline is plain shell steps that write files, so caching can be watched.</summary>
    public static string Project(string steps) => $"""
        directories:
          build: build/{"{{ recipe.major_minor }}"}
          downloads: downloads
        install_prefix: /opt/wasi-python
        stdlib_modes:
          packed:
            embedded: true
          zip:
            zipped: true
        toolchains:
          fake:
            cc: cc
            ar: ar
            ranlib: ranlib
            strip: strip
        steps:
        {steps}
        """;
}
