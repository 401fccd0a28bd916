using Wasipy.Fetching;

namespace Wasipy.Tests.Fetching;

public class AptSourceTests
{
    // The shape of `apt-cache showsrc python3.13` with trixie and forky deb-src entries (hashes shortened).
    private const string ShowSource = """
        Package: python3.13
        Binary: python3.13, libpython3.13
        Version: 3.13.15-1
        Files:
         213ef0026b5363353594e0cfa78174ab 23160540 python3.13_3.13.15.orig.tar.xz
         0a1b 212 python3.13_3.13.15-1.debian.tar.xz
        Checksums-Sha256:
         fe0f 23160540 python3.13_3.13.15.orig.tar.xz

        Package: python3.13
        Version: 3.13.5-2+deb13u5
        Files:
         1111 22856016 python3.13_3.13.5.orig.tar.xz
         2222 240 python3.13_3.13.5-2+deb13u5.debian.tar.xz

        """;

    [Fact]
    public void The_version_is_the_one_whose_files_list_the_wanted_tarball()
    {
        Assert.Equal("3.13.5-2+deb13u5", AptSource.VersionServing(ShowSource, "python3.13_3.13.5.orig.tar.xz"));
        Assert.Equal("3.13.15-1", AptSource.VersionServing(ShowSource, "python3.13_3.13.15.orig.tar.xz"));
    }

    [Fact]
    public void A_tarball_no_stanza_lists_has_no_version()
    {
        Assert.Null(AptSource.VersionServing(ShowSource, "python3.13_3.13.1.orig.tar.xz"));
        Assert.Null(AptSource.VersionServing(ShowSource, "3.13.15.orig.tar.xz"));
        Assert.Null(AptSource.VersionServing("", "python3.13_3.13.5.orig.tar.xz"));
    }
}
